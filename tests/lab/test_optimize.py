"""File-in file-out transformations and session knobs on the tiny conv model."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from lab.optimize import (
    ArrayCalibrationReader,
    CalibrationOption,
    GraphLevel,
    Provider,
    QuantFormatOption,
    QuantTypeOption,
    SessionConfig,
    StaticQuantOptions,
    TensorrtOptions,
    convert_fp16,
    create_session,
    io_conv_names,
    optimize_graph,
    provider_chain,
    quantize_dynamic_int8,
    quantize_static_int8,
)


def ops(path) -> set[str]:
    return {node.op_type for node in onnx.load(str(path)).graph.node}


def outputs(path, x):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"images": x})


@pytest.fixture(scope="module")
def sample():
    return np.random.default_rng(3).random((2, 3, 64, 64), dtype=np.float32)


@pytest.mark.parametrize("calibration", list(CalibrationOption))
def test_static_qdq_per_channel_stays_close_to_fp32(conv_model, tmp_path, sample, calibration, calibration_data):
    out = quantize_static_int8(conv_model, tmp_path / "q.onnx", StaticQuantOptions(calibration=calibration),
                               calibration_data=calibration_data)
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops(out)
    reference, quantised = outputs(conv_model, sample)[0], outputs(out, sample)[0]
    assert np.abs(reference - quantised).max() < 0.1
    assert not list(tmp_path.glob("*.preprocessed.onnx")), "the shape-inference intermediate is cleaned up"


def test_qdq_activation_type_decides_what_the_cpu_fuses(conv_model, tmp_path, calibration_data):
    """U8S8 QDQ becomes QLinearConv when onnxruntime optimises the graph on a CPU; the option is recorded either way."""
    u8 = quantize_static_int8(conv_model, tmp_path / "u8.onnx", calibration_data=calibration_data)
    fused = optimize_graph(u8, tmp_path / "u8-opt.onnx", GraphLevel.ORT_ENABLE_EXTENDED)
    assert "QLinearConv" in ops(fused) and "Conv" not in ops(fused)
    s8 = quantize_static_int8(conv_model, tmp_path / "s8.onnx",
                              StaticQuantOptions(activation_type=QuantTypeOption.QInt8), calibration_data=calibration_data)
    zero_points = [t for t in onnx.load(str(s8)).graph.initializer if t.name.endswith("zero_point")]
    assert any(t.data_type == onnx.TensorProto.INT8 for t in zero_points)


def test_io_convs_can_stay_float(conv_model, tmp_path, calibration_data):
    assert io_conv_names(conv_model) == ["conv0", "conv_heat", "conv_box"]
    out = quantize_static_int8(conv_model, tmp_path / "mixed.onnx", StaticQuantOptions(io_convs_fp32=True),
                               calibration_data=calibration_data)
    fused = optimize_graph(out, tmp_path / "mixed-opt.onnx", GraphLevel.ORT_ENABLE_EXTENDED)
    assert {"Conv", "QLinearConv"} <= ops(fused)  # the stem and the heads float, the middle int8


def test_static_qoperator_uses_qlinear_ops(conv_model, tmp_path, sample, calibration_data):
    out = quantize_static_int8(conv_model, tmp_path / "q.onnx",
                               StaticQuantOptions(quant_format=QuantFormatOption.QOperator, reduce_range=True),
                               calibration_data=calibration_data)
    assert "QLinearConv" in ops(out)
    assert outputs(out, sample)[0].shape == (2, 3, 16, 16)


def test_dynamic_quantisation_uses_integer_convs(conv_model, tmp_path, sample):
    out = quantize_dynamic_int8(conv_model, tmp_path / "d.onnx")
    assert "ConvInteger" in ops(out)
    assert np.abs(outputs(conv_model, sample)[0] - outputs(out, sample)[0]).max() < 0.1


def test_fp16_keeps_float32_inputs_and_outputs(conv_model, tmp_path, sample):
    out = convert_fp16(conv_model, tmp_path / "h.onnx")
    model = onnx.load(str(out))
    assert any(t.data_type == onnx.TensorProto.FLOAT16 for t in model.graph.initializer)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert np.abs(outputs(conv_model, sample)[0] - outputs(out, sample)[0]).max() < 0.01
    assert out.stat().st_size < conv_model.stat().st_size


@pytest.mark.parametrize("level", list(GraphLevel))
def test_graph_levels_save_an_equivalent_model(conv_model, tmp_path, sample, level):
    out = optimize_graph(conv_model, tmp_path / f"{level.value}.onnx", level)
    assert out.exists()
    assert np.allclose(outputs(conv_model, sample)[0], outputs(out, sample)[0], atol=1e-5)


def test_calibration_reader_feeds_batches_then_stops(calibration_data):
    reader = ArrayCalibrationReader("images", calibration_data[:2])
    assert reader.get_next()["images"].dtype == np.float32
    assert reader.get_next() is not None and reader.get_next() is None


def test_session_config_round_trips_and_validates():
    config = SessionConfig(provider=Provider.TENSORRT, intra_op_threads=2, batch_size=8, input_size=128,
                           graph_level=GraphLevel.ORT_ENABLE_BASIC, tensorrt=TensorrtOptions(trt_fp16_enable=True))
    assert SessionConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="batch size"):
        SessionConfig(batch_size=0)
    with pytest.raises(ValueError, match="input size"):
        SessionConfig(input_size=10_000)


def test_provider_chain_asks_for_gpu_options_and_keeps_cpu_last():
    chain = provider_chain(SessionConfig(provider=Provider.TENSORRT, tensorrt=TensorrtOptions(trt_int8_enable=True)))
    names = [name for name, _ in chain]
    assert names == ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert chain[0][1]["trt_int8_enable"] == "True" and chain[1][1]["cudnn_conv_algo_search"] == "EXHAUSTIVE"
    assert [n for n, _ in provider_chain(SessionConfig())] == ["CPUExecutionProvider"]


def test_cuda_graphs_reach_both_gpu_providers():
    from lab.optimize import CudaOptions

    graphs = CudaOptions(enable_cuda_graph=True)
    trt, cuda, _ = provider_chain(SessionConfig(provider=Provider.TENSORRT, cuda=graphs))
    assert trt[1]["trt_cuda_graph_enable"] == "True" and cuda[1]["enable_cuda_graph"] == "1"
    (cuda_only, _) = provider_chain(SessionConfig(provider=Provider.CUDA, cuda=graphs))[:2]
    assert cuda_only[1]["enable_cuda_graph"] == "1"
    assert "trt_cuda_graph_enable" not in provider_chain(SessionConfig(provider=Provider.TENSORRT))[0][1]


def test_threads_and_spinning_are_applied_to_the_session(conv_model):
    session = create_session(conv_model, SessionConfig(intra_op_threads=1, inter_op_threads=1, allow_spinning=False))
    options = session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
