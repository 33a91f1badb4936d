"""The vocabulary of dcl, read from Grammar/dcl.ebnf — never written out here, so the grammar
tests follow the language definition and cannot drift from it."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    keywords: frozenset        # reserved words: quoted word terminals of the syntactic rules
    contextual: frozenset      # words quoted in rules that stay identifiers elsewhere
    operators: tuple           # operators and punctuation, as listed at the end of the grammar
    size_suffixes: tuple       # count_suffix, byte_suffix and time_suffix terminals
    simple_escapes: frozenset  # characters allowed after a backslash (besides `u{…}`)
    align_marks: str           # format_spec: alignment characters
    format_types: str          # format_spec: type characters


def strip_comments(text):
    """Removes `(* … *)` comments (they do not nest in this EBNF)."""
    return re.sub(r"\(\*.*?\*\)", " ", text, flags=re.S)


def quoted(text):
    """The quoted terminals of `text`, in order ("x" or 'x')."""
    return [a if a else b for a, b in re.findall(r'"([^"]*)"|\'([^\']*)\'', text)]


def rule(body, name):
    """The right-hand side of rule `name` (comments already stripped)."""
    m = re.search(r"^" + re.escape(name) + r"\s*=(.*?);\s*$", body, re.M | re.S)
    if not m:
        raise ValueError(f"Grammar/dcl.ebnf has no rule `{name}`")
    return m.group(1)


def listed(text, header):
    """The words listed after `header` in the grammar's closing comment, up to the next header."""
    start = text.index(header) + len(header)
    rest = text[start:]
    rest = rest[rest.index(":") + 1:]
    ends = [rest.index(s) for s in ("Contextual words", "Operators and punctuation", "*)") if s in rest]
    return rest[: min(ends)].split()


def load(path):
    text = open(path, encoding="utf-8").read()
    header = "Lexical grammar"
    if header not in text:
        raise ValueError("Grammar/dcl.ebnf: no `Lexical grammar` section")
    syntactic = strip_comments(text[: text.index(header)])
    lexical = strip_comments(text[text.index(header):])
    words = {t for t in quoted(syntactic) if re.fullmatch(r"[a-z]+", t)}
    contextual = set(listed(text, "Contextual words"))
    reserved = set(listed(text, "Keywords (reserved)"))
    missing_context = contextual - words
    if missing_context:
        raise ValueError(f"contextual words not quoted in any rule: {sorted(missing_context)}")
    keywords = words - contextual
    if keywords != reserved:
        raise ValueError("the quoted words of the rules and the `Keywords (reserved)` list differ: "
                         f"only quoted {sorted(keywords - reserved)}, only listed {sorted(reserved - keywords)}")
    escape = quoted(rule(lexical, "escape"))
    simple = frozenset(t for t in escape[1:] if len(t) == 1)
    if "u{" not in escape:
        raise ValueError("escape rule: expected the `u{` form")
    spec = quoted(rule(lexical, "format_spec"))
    return Vocabulary(
        keywords=frozenset(keywords),
        contextual=frozenset(contextual),
        operators=tuple(listed(text, "Operators and punctuation")),
        size_suffixes=tuple(quoted(rule(lexical, "count_suffix")) + quoted(rule(lexical, "byte_suffix")) + quoted(rule(lexical, "time_suffix"))),
        simple_escapes=simple,
        align_marks="".join(t for t in spec if t in "<>^"),
        format_types="".join(t for t in spec if t not in "<>^."),
    )
