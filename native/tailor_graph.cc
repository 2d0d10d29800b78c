// A thin Node-API binding over TensorFlow's graph C API: build a graph op by op, add its
// gradients, and run it in a session. What the graph computes is decided in TypeScript
// (src/ml/compiled/); this file only translates values between JavaScript and TensorFlow.
#include <node_api.h>
#include <tensorflow/c/c_api.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

// One graph and, once started, the session that runs it. Freed by the garbage collector
// or by dispose(), whichever comes first.
struct Program {
  TF_Graph* graph = TF_NewGraph();
  TF_Session* session = nullptr;

  void Close() {
    if (session != nullptr) {
      TF_Status* status = TF_NewStatus();
      TF_CloseSession(session, status);
      TF_DeleteSession(session, status);
      TF_DeleteStatus(status);
      session = nullptr;
    }
    if (graph != nullptr) {
      TF_DeleteGraph(graph);
      graph = nullptr;
    }
  }
  ~Program() { Close(); }
};

// Thrown to unwind to the entry point, which turns it into a JavaScript Error.
struct Failure {
  std::string message;
};

struct Status {
  TF_Status* status = TF_NewStatus();
  ~Status() { TF_DeleteStatus(status); }
  void Check(const std::string& what) const {
    if (TF_GetCode(status) != TF_OK) throw Failure{what + ": " + TF_Message(status)};
  }
};

void Ok(napi_status status, const char* what) {
  if (status != napi_ok) throw Failure{std::string("node-api: ") + what};
}

std::vector<napi_value> Args(napi_env env, napi_callback_info info, size_t expected) {
  std::vector<napi_value> args(expected);
  size_t count = expected;
  Ok(napi_get_cb_info(env, info, &count, args.data(), nullptr, nullptr), "arguments");
  if (count < expected) throw Failure{"expected " + std::to_string(expected) + " arguments"};
  return args;
}

std::string String(napi_env env, napi_value value) {
  size_t length = 0;
  Ok(napi_get_value_string_utf8(env, value, nullptr, 0, &length), "a string was expected");
  std::string text(length, '\0');
  Ok(napi_get_value_string_utf8(env, value, text.data(), length + 1, &length), "string");
  return text;
}

double Number(napi_env env, napi_value value) {
  double number = 0;
  Ok(napi_get_value_double(env, value, &number), "a number was expected");
  return number;
}

bool Boolean(napi_env env, napi_value value) {
  bool flag = false;
  Ok(napi_get_value_bool(env, value, &flag), "a boolean was expected");
  return flag;
}

napi_value Property(napi_env env, napi_value object, const char* name) {
  napi_value value;
  Ok(napi_get_named_property(env, object, name, &value), name);
  return value;
}

std::vector<napi_value> Elements(napi_env env, napi_value array) {
  bool isArray = false;
  Ok(napi_is_array(env, array, &isArray), "array");
  if (!isArray) throw Failure{"an array was expected"};
  uint32_t length = 0;
  Ok(napi_get_array_length(env, array, &length), "array length");
  std::vector<napi_value> items(length);
  for (uint32_t i = 0; i < length; i++) Ok(napi_get_element(env, array, i, &items[i]), "element");
  return items;
}

std::vector<int64_t> Dims(napi_env env, napi_value array) {
  std::vector<int64_t> dims;
  for (napi_value item : Elements(env, array)) dims.push_back(static_cast<int64_t>(Number(env, item)));
  return dims;
}

Program* Unwrap(napi_env env, napi_value value) {
  void* data = nullptr;
  Ok(napi_get_value_external(env, value, &data), "a graph handle was expected");
  auto* program = static_cast<Program*>(data);
  if (program->graph == nullptr) throw Failure{"the graph was disposed"};
  return program;
}

TF_DataType DataType(const std::string& name) {
  if (name == "float32") return TF_FLOAT;
  if (name == "int32") return TF_INT32;
  if (name == "bool") return TF_BOOL;
  throw Failure{"unsupported dtype " + name};
}

// "name:index" (or "name", index 0) to the op's output.
TF_Output Output(TF_Graph* graph, const std::string& ref) {
  size_t colon = ref.rfind(':');
  std::string name = colon == std::string::npos ? ref : ref.substr(0, colon);
  int index = colon == std::string::npos ? 0 : std::stoi(ref.substr(colon + 1));
  TF_Operation* op = TF_GraphOperationByName(graph, name.c_str());
  if (op == nullptr) throw Failure{"no operation named " + name};
  return TF_Output{op, index};
}

TF_Operation* Operation(TF_Graph* graph, const std::string& name) {
  TF_Operation* op = TF_GraphOperationByName(graph, name.c_str());
  if (op == nullptr) throw Failure{"no operation named " + name};
  return op;
}

// A TF_Tensor holding a copy of {dtype, shape, data} (a Float32Array or Int32Array).
TF_Tensor* ToTensor(napi_env env, napi_value spec) {
  TF_DataType dtype = DataType(String(env, Property(env, spec, "dtype")));
  std::vector<int64_t> dims = Dims(env, Property(env, spec, "shape"));
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  Ok(napi_get_typedarray_info(env, Property(env, spec, "data"), &type, &length, &data, nullptr, nullptr),
     "tensor data must be a typed array");
  size_t expected = 1;
  for (int64_t d : dims) expected *= static_cast<size_t>(d);
  bool matches = (dtype == TF_FLOAT && type == napi_float32_array) ||
                 (dtype == TF_INT32 && type == napi_int32_array);
  if (!matches) throw Failure{"tensor data does not match its dtype"};
  if (length != expected) throw Failure{"tensor data has " + std::to_string(length) + " values, its shape needs " + std::to_string(expected)};
  size_t bytes = length * TF_DataTypeSize(dtype);
  TF_Tensor* tensor = TF_AllocateTensor(dtype, dims.data(), static_cast<int>(dims.size()), bytes);
  if (bytes > 0) std::memcpy(TF_TensorData(tensor), data, bytes);
  return tensor;
}

napi_value FromTensor(napi_env env, TF_Tensor* tensor) {
  TF_DataType dtype = TF_TensorType(tensor);
  if (dtype != TF_FLOAT && dtype != TF_INT32) throw Failure{"only float32 and int32 outputs can be fetched"};
  int rank = TF_NumDims(tensor);
  napi_value shape;
  Ok(napi_create_array_with_length(env, rank, &shape), "shape");
  for (int i = 0; i < rank; i++) {
    napi_value dim;
    Ok(napi_create_int64(env, TF_Dim(tensor, i), &dim), "dim");
    Ok(napi_set_element(env, shape, i, dim), "dim");
  }
  size_t bytes = TF_TensorByteSize(tensor);
  void* target = nullptr;
  napi_value buffer, array, result;
  Ok(napi_create_arraybuffer(env, bytes, &target, &buffer), "buffer");
  if (bytes > 0) std::memcpy(target, TF_TensorData(tensor), bytes);
  size_t count = bytes / TF_DataTypeSize(dtype);
  Ok(napi_create_typedarray(env, dtype == TF_FLOAT ? napi_float32_array : napi_int32_array, count, buffer, 0, &array), "array");
  Ok(napi_create_object(env, &result), "object");
  Ok(napi_set_named_property(env, result, "shape", shape), "shape");
  Ok(napi_set_named_property(env, result, "data", array), "data");
  return result;
}

// attrs: { name: { kind, value, ... } } with kind type | shape | int | float | bool | string
// | ints | tensor ({dtype, shape, data}).
void SetAttrs(napi_env env, TF_OperationDescription* desc, napi_value attrs) {
  napi_value names;
  Ok(napi_get_property_names(env, attrs, &names), "attribute names");
  for (napi_value key : Elements(env, names)) {
    std::string name = String(env, key);
    napi_value attr;
    Ok(napi_get_property(env, attrs, key, &attr), "attribute");
    std::string kind = String(env, Property(env, attr, "kind"));
    napi_value value = Property(env, attr, "value");
    const char* n = name.c_str();
    if (kind == "type") {
      TF_SetAttrType(desc, n, DataType(String(env, value)));
    } else if (kind == "shape") {
      std::vector<int64_t> dims = Dims(env, value);
      TF_SetAttrShape(desc, n, dims.data(), static_cast<int>(dims.size()));
    } else if (kind == "int") {
      TF_SetAttrInt(desc, n, static_cast<int64_t>(Number(env, value)));
    } else if (kind == "float") {
      TF_SetAttrFloat(desc, n, static_cast<float>(Number(env, value)));
    } else if (kind == "bool") {
      TF_SetAttrBool(desc, n, Boolean(env, value) ? 1 : 0);
    } else if (kind == "string") {
      std::string text = String(env, value);
      TF_SetAttrString(desc, n, text.data(), text.size());
    } else if (kind == "ints") {
      std::vector<int64_t> ints = Dims(env, value);
      TF_SetAttrIntList(desc, n, ints.data(), static_cast<int>(ints.size()));
    } else if (kind == "tensor") {
      TF_Tensor* tensor = ToTensor(env, value);
      Status status;
      TF_SetAttrTensor(desc, n, tensor, status.status);
      TF_DeleteTensor(tensor);
      status.Check("attribute " + name);
    } else {
      throw Failure{"unknown attribute kind " + kind};
    }
  }
}

template <typename Body>
napi_value Guard(napi_env env, Body body) {
  try {
    return body();
  } catch (const Failure& failure) {
    napi_throw_error(env, nullptr, failure.message.c_str());
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, error.what());
  }
  return nullptr;
}

napi_value CreateGraph(napi_env env, napi_callback_info) {
  return Guard(env, [&] {
    napi_value handle;
    Ok(napi_create_external(env, new Program(), [](napi_env, void* data, void*) { delete static_cast<Program*>(data); }, nullptr, &handle), "external");
    return handle;
  });
}

// addOperation(graph, type, name, inputs, attrs, controlInputs) -> number of outputs.
// An input is "op:index"; an array of them is one list input.
napi_value AddOperation(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    auto args = Args(env, info, 6);
    Program* program = Unwrap(env, args[0]);
    std::string type = String(env, args[1]);
    std::string name = String(env, args[2]);
    TF_OperationDescription* desc = TF_NewOperation(program->graph, type.c_str(), name.c_str());
    for (napi_value input : Elements(env, args[3])) {
      bool isList = false;
      Ok(napi_is_array(env, input, &isList), "input");
      if (isList) {
        std::vector<TF_Output> list;
        for (napi_value item : Elements(env, input)) list.push_back(Output(program->graph, String(env, item)));
        TF_AddInputList(desc, list.data(), static_cast<int>(list.size()));
      } else {
        TF_AddInput(desc, Output(program->graph, String(env, input)));
      }
    }
    SetAttrs(env, desc, args[4]);
    for (napi_value control : Elements(env, args[5])) TF_AddControlInput(desc, Operation(program->graph, String(env, control)));
    Status status;
    TF_Operation* op = TF_FinishOperation(desc, status.status);
    status.Check(type + " " + name);
    napi_value outputs;
    Ok(napi_create_int32(env, TF_OperationNumOutputs(op), &outputs), "outputs");
    return outputs;
  });
}

// addGradients(graph, ys, xs, prefix) -> the gradient of sum(ys) for each x, as "op:index".
napi_value AddGradients(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    auto args = Args(env, info, 4);
    Program* program = Unwrap(env, args[0]);
    std::vector<TF_Output> ys, xs;
    for (napi_value y : Elements(env, args[1])) ys.push_back(Output(program->graph, String(env, y)));
    for (napi_value x : Elements(env, args[2])) xs.push_back(Output(program->graph, String(env, x)));
    std::string prefix = String(env, args[3]);
    std::vector<TF_Output> dx(xs.size());
    Status status;
    TF_AddGradientsWithPrefix(program->graph, prefix.c_str(), ys.data(), static_cast<int>(ys.size()), xs.data(),
                              static_cast<int>(xs.size()), nullptr, status.status, dx.data());
    status.Check("gradients");
    napi_value result;
    Ok(napi_create_array_with_length(env, dx.size(), &result), "array");
    for (size_t i = 0; i < dx.size(); i++) {
      if (dx[i].oper == nullptr) throw Failure{"no gradient reaches input " + std::to_string(i)};
      std::string ref = std::string(TF_OperationName(dx[i].oper)) + ":" + std::to_string(dx[i].index);
      napi_value item;
      Ok(napi_create_string_utf8(env, ref.c_str(), ref.size(), &item), "string");
      Ok(napi_set_element(env, result, i, item), "element");
    }
    return result;
  });
}

// startSession(graph, config) where config is a serialised ConfigProto (Uint8Array) or null.
napi_value StartSession(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    auto args = Args(env, info, 2);
    Program* program = Unwrap(env, args[0]);
    if (program->session != nullptr) throw Failure{"the session has already started"};
    TF_SessionOptions* options = TF_NewSessionOptions();
    napi_valuetype kind;
    Ok(napi_typeof(env, args[1], &kind), "config");
    Status status;
    if (kind != napi_null && kind != napi_undefined) {
      napi_typedarray_type type;
      size_t length = 0;
      void* data = nullptr;
      Ok(napi_get_typedarray_info(env, args[1], &type, &length, &data, nullptr, nullptr), "config must be a Uint8Array");
      TF_SetConfig(options, data, length, status.status);
    }
    if (TF_GetCode(status.status) == TF_OK) program->session = TF_NewSession(program->graph, options, status.status);
    TF_DeleteSessionOptions(options);
    status.Check("session");
    napi_value undefined;
    Ok(napi_get_undefined(env, &undefined), "undefined");
    return undefined;
  });
}

// run(graph, feeds, fetches, targets): feeds [{name, dtype, shape, data}], fetches
// ["op:index"], targets [op names]; returns [{shape, data}] in fetch order.
napi_value Run(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    auto args = Args(env, info, 4);
    Program* program = Unwrap(env, args[0]);
    if (program->session == nullptr) throw Failure{"startSession first"};
    std::vector<TF_Output> inputs, outputs;
    std::vector<TF_Tensor*> values;
    std::vector<TF_Operation*> targets;
    struct Cleanup {
      std::vector<TF_Tensor*>& tensors;
      ~Cleanup() {
        for (TF_Tensor* t : tensors) if (t != nullptr) TF_DeleteTensor(t);
      }
    };
    std::vector<TF_Tensor*> fetched;
    Cleanup freeInputs{values}, freeOutputs{fetched};
    for (napi_value feed : Elements(env, args[1])) {
      inputs.push_back(Output(program->graph, String(env, Property(env, feed, "name"))));
      values.push_back(ToTensor(env, feed));
    }
    for (napi_value fetch : Elements(env, args[2])) outputs.push_back(Output(program->graph, String(env, fetch)));
    for (napi_value target : Elements(env, args[3])) targets.push_back(Operation(program->graph, String(env, target)));
    fetched.assign(outputs.size(), nullptr);
    Status status;
    TF_SessionRun(program->session, nullptr, inputs.data(), values.data(), static_cast<int>(inputs.size()),
                  outputs.data(), fetched.data(), static_cast<int>(outputs.size()), targets.data(),
                  static_cast<int>(targets.size()), nullptr, status.status);
    status.Check("run");
    napi_value result;
    Ok(napi_create_array_with_length(env, fetched.size(), &result), "array");
    for (size_t i = 0; i < fetched.size(); i++) Ok(napi_set_element(env, result, i, FromTensor(env, fetched[i])), "element");
    return result;
  });
}

napi_value Dispose(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    auto args = Args(env, info, 1);
    void* data = nullptr;
    Ok(napi_get_value_external(env, args[0], &data), "a graph handle was expected");
    static_cast<Program*>(data)->Close();
    napi_value undefined;
    Ok(napi_get_undefined(env, &undefined), "undefined");
    return undefined;
  });
}

napi_value Version(napi_env env, napi_callback_info) {
  return Guard(env, [&] {
    napi_value version;
    Ok(napi_create_string_utf8(env, TF_Version(), NAPI_AUTO_LENGTH, &version), "version");
    return version;
  });
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"createGraph", nullptr, CreateGraph, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addOperation", nullptr, AddOperation, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addGradients", nullptr, AddGradients, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"startSession", nullptr, StartSession, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dispose", nullptr, Dispose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions);
  return exports;
}

}  // namespace

NAPI_MODULE(tailor_graph, Init)
