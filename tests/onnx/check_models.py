"""Checks every model ember exported with the onnx package itself (Debian's python3-onnx):
onnx.checker with full_check (which also runs strict shape inference), and shape
inference's output shapes and types against the shapes ember computed (cases.json).

    python3 tests/onnx/check_models.py DIR
"""
import json
import sys

import onnx
from onnx import shape_inference

DTYPES = {"float32": onnx.TensorProto.FLOAT, "float64": onnx.TensorProto.DOUBLE, "int64": onnx.TensorProto.INT64,
          "bool": onnx.TensorProto.BOOL}


def main(folder):
    cases = json.load(open(f"{folder}/cases.json"))
    assert cases, "no cases"
    for case in cases:
        model = onnx.load(f"{folder}/{case['file']}")
        assert model.ir_version == 8, model.ir_version
        assert [(o.domain, o.version) for o in model.opset_import] == [("", 17)], model.opset_import
        onnx.checker.check_model(model, full_check=True)
        inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        outs = inferred.graph.output
        assert len(outs) == len(case["outputs"]), (case["name"], len(outs))
        for out, want in zip(outs, case["outputs"]):
            t = out.type.tensor_type
            dims = [d.dim_value for d in t.shape.dim]
            assert dims == want["shape"], (case["name"], out.name, dims, want["shape"])
            assert t.elem_type == DTYPES[want["dtype"]], (case["name"], out.name, t.elem_type)
        # Every intermediate value shape inference could type has a known shape too.
        ops = sorted({n.op_type for n in model.graph.node})
        print(f"{case['name']}: checker ok, shapes ok ({len(model.graph.node)} nodes: {', '.join(ops)})")
    print(f"{len(cases)} models pass onnx.checker (full_check) and shape inference")


if __name__ == "__main__":
    main(sys.argv[1])
