"""Writes the YAML that tests hold in C++ string literals to OUT/<test>-<n>.yaml, as fuzzer
seeds: raw literals R"(...)" and runs of adjacent ordinary literals ("a: 1\n" "b: 2\n").
Usage: python3 fuzz/seeds_from_tests.py OUT tests/"""
import pathlib
import re
import sys

LITERAL = re.compile(r'R"\((.*?)\)"|((?:"(?:[^"\\\n]|\\.)*"\s*)+)', re.S)
PART = re.compile(r'"((?:[^"\\\n]|\\.)*)"')

out = pathlib.Path(sys.argv[1])
for source in sorted(pathlib.Path(sys.argv[2]).rglob("*.cc")):
    for i, match in enumerate(LITERAL.finditer(source.read_text())):
        text = match.group(1)
        if text is None:
            joined = "".join(PART.findall(match.group(2)))
            text = joined.encode("latin-1", "ignore").decode("unicode_escape", "ignore")
        if ": " in text and "\n" in text:
            (out / f"{source.stem}-{i}.yaml").write_bytes(text.encode("utf-8", "ignore"))
