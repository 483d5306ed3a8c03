#!/usr/bin/env python3
"""Writes testdata/models/affine.onnx: y = 2x + 1 on a float tensor [N, 4].
The smallest real model that proves the ONNX Runtime path end to end
(crates/inference/tests/runtime.rs). Needs `pip install onnx`."""
import hashlib
import onnx
from onnx import TensorProto, helper

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])
two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
graph = helper.make_graph(
    [helper.make_node("Mul", ["x", "two"], ["t"]), helper.make_node("Add", ["t", "one"], ["y"])],
    "affine", [x], [y], initializer=[two, one])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="docscreen")
model.ir_version = 8
onnx.checker.check_model(model)
path = "testdata/models/affine.onnx"
onnx.save(model, path)
digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
open(path + ".sha256", "w").write(digest + "\n")
print(path, digest)
