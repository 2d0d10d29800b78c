/** One series of a drawn line chart: its markers' values and its polyline's vertices. */
export interface DrawnSeries {
  xs: number[];
  ys: number[];
  /** Vertices of the series' polyline, which must match the markers one for one. */
  vertices: number;
}

/**
 * Reads the series of the line chart captioned `title` out of a report's markup, as a reader
 * of the page would find them: each `g.series` by name, the `data-x`/`data-y` of its markers.
 */
export function lineChartSeries(page: string, title: string): Record<string, DrawnSeries> {
  const start = page.indexOf(`<figcaption>${title}</figcaption>`);
  if (start < 0) throw new Error(`no chart captioned '${title}'`);
  const figure = page.slice(start, page.indexOf('</figure>', start));
  const series: Record<string, DrawnSeries> = {};
  for (const group of figure.split('<g class="series" ').slice(1)) {
    const name = /^data-series="([^"]*)"/.exec(group)?.[1] ?? '';
    const body = group.slice(0, group.indexOf('</g>'));
    const points = /<polyline [^>]*points="([^"]*)"/.exec(body)?.[1] ?? '';
    const markers = [...body.matchAll(/data-x="([^"]*)" data-y="([^"]*)"/g)];
    series[name] = {
      xs: markers.map((m) => Number(m[1])),
      ys: markers.map((m) => Number(m[2])),
      vertices: points.trim() === '' ? 0 : points.trim().split(/\s+/).length,
    };
  }
  return series;
}
