"""A generated hostile corpus: every file is built here, in memory, at test time (nothing hostile is committed).

Each generator returns ``(filename, bytes)``; the names say what the file attacks.
"""

from __future__ import annotations

QUESTION_YAML = """- id: {id}
  prompt: {text}
  competency: deployment
  topics: [onnx]
  kind: technical
  level: mid
  why_asked: {text}
  rubric:
    - id: p1
      text: {text}
      weight: must
  red_flags: [{text}]
  follow_ups: [{text}]
  model_answer: {text}
  rating_guide: {{1: {text}, 2: {text}, 3: {text}, 4: {text}}}
"""


def yaml_billion_laughs(levels: int = 9, width: int = 9) -> tuple[str, bytes]:
    """The 46 KB shape from the report: each level is ``width`` aliases of the level below."""
    lines = ['a0: &a0 [{"id": "x", "prompt": ""}]']
    for level in range(1, levels + 1):
        refs = ", ".join(f"*a{level - 1}" for _ in range(width))
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"questions: *a{levels}")
    return "laughs.yaml", "\n".join(lines).encode()


def yaml_merge_keys() -> tuple[str, bytes]:
    return "merge.yaml", b"base: &b {competency: deployment}\nquestions:\n  - <<: *b\n    id: q1\n"


def yaml_empty_items(size_bytes: int = 1_800_000) -> tuple[str, bytes]:
    """1.8 MB of ``- {}``: 450k invalid items, millions of problems before the caps."""
    return "empty_items.yaml", b"questions:\n" + b"- {}\n" * (size_bytes // 5)


def yaml_many_small_items(count: int = 90_000) -> tuple[str, bytes]:
    """Fewer nodes than the node cap, far more items than an import may hold."""
    return "many_items.yaml", b"questions:\n" + b"- 1\n" * count


def yaml_deep_nesting(depth: int = 100_000, flow: bool = True) -> tuple[str, bytes]:
    if flow:
        return "deep_flow.yaml", b"questions: " + b"[" * depth + b"]" * depth
    return "deep_block.yaml", b"questions:\n" + b"".join(b"  " * i + b"- \n" for i in range(min(depth, 1000)))


def yaml_deep_mappings(depth: int = 50_000) -> tuple[str, bytes]:
    return "deep_map.yaml", b"questions: " + b"{a: " * depth + b"1" + b"}" * depth


def yaml_huge_integer(digits: int = 200_000) -> tuple[str, bytes]:
    return "huge_int.yaml", b"questions: [" + b"9" * digits + b"]"


def yaml_python_tag() -> tuple[str, bytes]:
    return "tag.yaml", b"questions: !!python/object/apply:os.system ['echo owned']\n"


def yaml_many_errors_each(count: int = 1000) -> tuple[str, bytes]:
    """A thousand items (the cap) with a dozen wrong fields each: 12k problems, 100 kept."""
    item = ("- {id: 'Bad Id!', prompt: '', competency: 7, topics: 'x', kind: none, level: none, why_asked: '',"
            " rubric: 1, red_flags: 2, follow_ups: 3, model_answer: '', rating_guide: 4, extra: 5}\n")
    return "many_errors.yaml", b"questions:\n" + item.encode() * count


def yaml_oversized(size: int = 3 * 1024 * 1024) -> tuple[str, bytes]:
    return "big.yaml", b"questions: []\n#" + b"x" * size


def yaml_not_utf8() -> tuple[str, bytes]:
    return "latin.yaml", "questions: [caf\xe9]".encode("latin-1")


def csv_many_rows(rows: int = 125_000) -> tuple[str, bytes]:
    header = ("id,prompt,competency,topics,kind,level,why_asked,rubric,red_flags,follow_ups,model_answer,"
              "rating_1,rating_2,rating_3,rating_4\n")
    row = "x,,,,,,,,,,,,,,\n"
    return "rows.csv", (header + row * rows).encode()


def csv_wide_header(columns: int = 200_000) -> tuple[str, bytes]:
    return "wide.csv", (",".join(f"c{i}" for i in range(columns)) + "\n").encode()


def csv_huge_cell(size: int = 1_500_000) -> tuple[str, bytes]:
    name, data = csv_many_rows(0)
    return "cell.csv", data + b'x,"' + b"y" * size + b'",,,,,,,,,,,,,\n'


def csv_unclosed_quote() -> tuple[str, bytes]:
    name, data = csv_many_rows(0)
    return "quote.csv", data + b'x,"never closed' + b" more" * 200_000


def csv_many_cells_in_a_row(cells: int = 500_000) -> tuple[str, bytes]:
    name, data = csv_many_rows(0)
    return "cells.csv", data + b"," * cells + b"\n"


IMPORT_BOMBS = {
    "yaml billion laughs": yaml_billion_laughs,
    "yaml merge keys": yaml_merge_keys,
    "yaml 1.8 MB of empty items": yaml_empty_items,
    "yaml 90k small items": yaml_many_small_items,
    "yaml 100k-deep flow nesting": yaml_deep_nesting,
    "yaml deep block nesting": lambda: yaml_deep_nesting(flow=False),
    "yaml 50k-deep mappings": yaml_deep_mappings,
    "yaml 200k-digit integer": yaml_huge_integer,
    "yaml python tag": yaml_python_tag,
    "yaml 1000 items x 12 errors": yaml_many_errors_each,
    "yaml 3 MB": yaml_oversized,
    "yaml not utf-8": yaml_not_utf8,
    "csv 125k rows": csv_many_rows,
    "csv 200k-column header": csv_wide_header,
    "csv 1.5 MB cell": csv_huge_cell,
    "csv unclosed quote": csv_unclosed_quote,
    "csv 500k cells in a row": csv_many_cells_in_a_row,
}

# Text that would do something if it were read as markdown, HTML, KaTeX, a Streamlit directive or a formula.
# Every entry names the host evil.example, so "no request to a foreign host" and "no live link" are checkable.
HOSTILE_TEXTS = (
    "[click me](https://evil.example/phish)",
    "![pixel](https://evil.example/pixel.png)",
    '<img src="https://evil.example/img.png" onerror="alert(1)">',
    '<a href="https://evil.example/a">anchor</a> <script>alert(1)</script>',
    "bare https://evil.example/bare and www.evil.example and mail@evil.example",
    "<https://evil.example/angle>",
    "$\\color{red}{\\text{evil.example katex}}$ and :red[evil.example colour] :material/home:",
    "**evil.example bold** _em_ `code` # heading\n\n- list evil.example\n> quote",
    "[ref]: https://evil.example/ref\n[ref]",
    '=HYPERLINK("https://evil.example/f","x")\r@SUM(1)\n+cmd|evil.example',
)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def onnx_relu_model() -> bytes:
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def onnx_million_nodes(nodes: int = 1_000_000) -> tuple[str, bytes]:
    """About 26 MB: protobuf merges a second ``graph`` field into the first, so the extra nodes are bytes appended
    to a small valid model (built in a blink, no million Python objects in the test)."""
    from onnx import helper

    node = helper.make_node("Relu", ["x"], ["x"]).SerializeToString()
    extra = (b"\x0a" + _varint(len(node)) + node) * nodes
    return "million.onnx", onnx_relu_model() + b"\x3a" + _varint(len(extra)) + extra


def onnx_nested_subgraphs(depth: int = 20_000) -> tuple[str, bytes]:
    """A graph attribute holding a graph holding a graph...: the protobuf recursion bomb."""
    inner = b""
    for _ in range(depth):
        attr = b"\x0a\x01b" + b"\x32" + _varint(len(inner)) + inner  # AttributeProto: name "b", g = inner graph
        node = b"\x22\x02If" + b"\x2a" + _varint(len(attr)) + attr  # NodeProto: op_type, attribute
        inner = b"\x0a" + _varint(len(node)) + node  # GraphProto: node
    return "nested.onnx", onnx_relu_model() + b"\x3a" + _varint(len(inner)) + inner


def onnx_huge_declared_length() -> tuple[str, bytes]:
    """A field that claims 2 GB of data in a 100-byte file."""
    return "liar.onnx", onnx_relu_model() + b"\x3a" + _varint(2**31 - 1) + b"\x0a" * 64


def onnx_garbage(size: int = 5_000_000) -> tuple[str, bytes]:
    return "garbage.onnx", bytes(range(256)) * (size // 256)


ONNX_BOMBS = {
    "a million-node graph": onnx_million_nodes,
    "20k nested subgraphs": onnx_nested_subgraphs,
    "a length field of 2 GB": onnx_huge_declared_length,
    "5 MB of garbage": onnx_garbage,
}


def onnx_endless_loop(trip_count: int = 10**15) -> tuple[str, bytes]:
    """A Loop whose trip count is astronomical: onnxruntime would spin for days on one run."""
    from onnx import TensorProto, helper

    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]), helper.make_node("Relu", ["x_in"], ["x_out"])],
        "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                 helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
                 helper.make_tensor_value_info("x_in", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("x_out", TensorProto.FLOAT, [1, 3, 8, 8])])
    graph = helper.make_graph(
        [helper.make_node("Constant", [], ["n"], value=helper.make_tensor("n", TensorProto.INT64, [], [trip_count])),
         helper.make_node("Constant", [], ["c"], value=helper.make_tensor("c", TensorProto.BOOL, [], [True])),
         helper.make_node("Loop", ["n", "c", "x"], ["y"], body=body)], "endless",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return "endless_loop.onnx", model.SerializeToString()
