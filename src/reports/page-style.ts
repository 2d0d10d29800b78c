/**
 * The reports' one stylesheet, inlined into every page so a report needs no other request
 * and can be saved as a single file. Colours come from variables that follow the reader's
 * light or dark preference; charts draw with `currentColor` and these variables.
 */
export const PAGE_STYLE = `
:root {
  color-scheme: light dark;
  --fg: #1d2330; --muted: #5b6475; --bg: #ffffff; --panel: #f4f6f9; --line: #d5dae2;
  --grid: #e3e7ee; --link: #0b5cad; --warn-bg: #fff4d6; --warn-line: #e0b64a;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6e9ef; --muted: #a3acbb; --bg: #14171d; --panel: #1d2129; --line: #363c48;
    --grid: #2b303a; --link: #7db7ff; --warn-bg: #3a3018; --warn-line: #9c7b25;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
header h1 { font-size: 1.6rem; margin: 0 0 4px; overflow-wrap: anywhere; }
header .lead { color: var(--muted); margin: 0 0 12px; }
h2 { font-size: 1.2rem; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 20px 0 8px; }
a { color: var(--link); }
nav.links { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0 0; }
.status { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 0.85rem;
  font-weight: 600; border: 1px solid var(--line); background: var(--panel); vertical-align: middle; }
.status.completed { border-color: #2e9d5b; color: #2e9d5b; }
.status.failed, .status.timed_out { border-color: #d1453b; color: #d1453b; }
.status.cancelled { border-color: var(--muted); color: var(--muted); }
.notice { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 6px;
  padding: 10px 14px; margin: 16px 0; }
.empty { color: var(--muted); font-style: italic; }
p.recipe { margin: 16px 0 4px; }
p.note { color: var(--muted); font-size: 0.9rem; margin: 0 0 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 20px; align-items: start; }
figure.chart { margin: 0; padding: 12px; background: var(--panel); border-radius: 8px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 6px; }
figure.chart svg { display: block; width: 100%; height: auto; overflow: visible; }
.chart text { fill: currentColor; font-size: 13px; }
.heatmap .zero text { fill: var(--muted); }
.chart .axis-label { font-size: 13px; fill: var(--muted); }
.chart .bar-value { font-size: 11px; }
.chart .grid { stroke: var(--grid); }
.chart .axis-line, .chart .tick-mark { stroke: var(--muted); }
.heatmap text.on-dark { fill: #ffffff; font-weight: 600; }
.heatmap .diagonal rect { stroke: var(--fg); stroke-opacity: 0.35; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 8px 0 0 56px; padding: 0; }
ul.legend li { display: flex; align-items: center; gap: 6px; overflow-wrap: anywhere; }
ul.legend .swatch { width: 24px; height: 8px; flex: none; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 4px 0 12px; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td { overflow-wrap: anywhere; }
th { font-weight: 600; background: var(--panel); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: 600; border-top: 2px solid var(--line); }
.samples { display: flex; flex-wrap: wrap; gap: 14px; }
.samples figure { margin: 0; padding: 8px; background: var(--panel); border-radius: 8px; width: 140px; font-size: 0.85rem; }
.samples figcaption { margin-top: 4px; overflow-wrap: anywhere; }
img.pixels { image-rendering: pixelated; display: block; background: #000; }
img.grid { image-rendering: pixelated; display: block; background: #000; }
.sample-grid { display: flex; align-items: stretch; gap: 10px; overflow-x: auto; }
.sample-grid img { align-self: flex-start; flex: none; }
ol.grid-labels { list-style: none; margin: 0; padding: 0; display: grid; text-align: right; font-size: 0.85rem; }
ol.grid-labels li { display: flex; align-items: center; justify-content: flex-end; white-space: nowrap; }
`;
