"""A reference lexer for dcl, following Sources/DCLSyntax/Lexer*.swift token for token (no Swift
build needed to run the grammar tests). Its vocabulary — keywords, contextual words, operators,
size suffixes, escapes, format specs — comes from Grammar/dcl.ebnf through `ebnf.Vocabulary`.

Tokens are finer than the Swift lexer's where a highlighter needs it: a string is split into its
quotes, text runs, escapes, interpolation braces and format spec, and a size literal into its
number and suffix. Anything the Swift lexer would report as an error raises `LexError` (what and
where): the files the tests read are all valid dcl.
"""

import re
from dataclasses import dataclass


class LexError(ValueError):
    pass


@dataclass
class Token:
    kind: str    # see KINDS
    start: int
    end: int
    text: str
    line_start: bool = False  # first token of its line


# comment, word (a keyword or an identifier: `ebnf.Vocabulary` says which), number, unit (a size's suffix),
# quote, string (text inside quotes), escape, interp-open, interp-close, format, op.
KINDS = ("comment", "word", "number", "unit", "quote", "string", "escape", "interp-open",
         "interp-close", "format", "op")


def lex(text, vocab):
    return _Lexer(text, vocab).run()


class _Lexer:
    def __init__(self, text, vocab):
        self.s = text
        self.n = len(text)
        self.v = vocab
        self.ops = sorted((o for o in vocab.operators if not o.isalpha()), key=len, reverse=True)
        self.suffixes = set(vocab.size_suffixes)
        digits = r"[0-9][0-9_]*"
        self.spec = re.compile("[" + re.escape(vocab.align_marks) + "]?(?:" + digits + r")?(?:\." + digits +
                               ")?[" + re.escape(vocab.format_types) + "]?")
        self.tokens = []
        self.pos = 0
        self.at_line_start = True
        # One entry per open interpolation: brackets opened inside it and not yet closed.
        self.interpolations = []

    def fail(self, what, at=None):
        at = self.pos if at is None else at
        line = self.s.count("\n", 0, at) + 1
        col = at - (self.s.rfind("\n", 0, at) + 1) + 1
        raise LexError(f"{line}:{col}: {what}")

    def emit(self, kind, start, end):
        self.tokens.append(Token(kind, start, end, self.s[start:end], self.at_line_start))
        self.at_line_start = False

    def run(self):
        s = self.s
        while self.pos < self.n:
            c = s[self.pos]
            if c in " \t":
                self.pos += 1
            elif c == "\n" or s.startswith("\r\n", self.pos):
                if self.interpolations:
                    self.fail("unterminated string")
                self.pos += 1 if c == "\n" else 2
                self.at_line_start = True
            elif s.startswith("//", self.pos):
                end = s.find("\n", self.pos)
                end = self.n if end < 0 else end
                if end > self.pos and s[end - 1] == "\r":
                    end -= 1
                self.emit("comment", self.pos, end)
                self.pos = end
            elif s.startswith("/*", self.pos):
                self.block_comment()
            elif c == '"':
                self.emit("quote", self.pos, self.pos + 1)
                self.pos += 1
                self.string_text()
            elif c.isascii() and c.isdigit():
                self.number()
            elif c.isascii() and (c.isalpha() or c == "_"):
                self.word()
            else:
                self.punctuation()
        if self.interpolations:
            self.fail("unterminated string")
        return self.tokens

    def block_comment(self):
        start, depth = self.pos, 0
        while self.pos < self.n:
            if self.s.startswith("/*", self.pos):
                depth += 1
                self.pos += 2
            elif self.s.startswith("*/", self.pos):
                depth -= 1
                self.pos += 2
                if depth == 0:
                    self.emit("comment", start, self.pos)
                    return
            else:
                self.pos += 1
        self.fail("unterminated block comment", start)

    def word(self):
        m = re.compile(r"[A-Za-z0-9_]+").match(self.s, self.pos)
        self.emit("word", m.start(), m.end())
        self.pos = m.end()

    def number(self):
        s, start = self.s, self.pos
        m = re.compile(r"[0-9][0-9_]*").match(s, self.pos)
        self.pos = m.end()
        if self.pos + 1 < self.n and s[self.pos] == "." and s[self.pos + 1].isdigit():
            self.pos = re.compile(r"[0-9][0-9_]*").match(s, self.pos + 1).end()
        if self.pos < self.n and s[self.pos] in "eE":
            m = re.compile(r"[eE][+-]?[0-9][0-9_]*").match(s, self.pos)
            if not m:
                self.fail("malformed number: expected digits after the exponent")
            self.pos = m.end()
        end = self.pos
        m = re.compile(r"[A-Za-z0-9_]+").match(s, self.pos)
        self.emit("number", start, end)
        if m:
            if m.group() not in self.suffixes:
                self.fail(f"invalid suffix `{m.group()}` on a number")
            self.emit("unit", m.start(), m.end())
            self.pos = m.end()

    def string_text(self):
        """From inside a string to its closing quote or next interpolation."""
        s = self.s
        while True:
            run = self.pos
            while self.pos < self.n and s[self.pos] not in '"\\{}\n\r':
                self.pos += 1
            if self.pos > run:
                self.emit("string", run, self.pos)
            if self.pos >= self.n or s[self.pos] in "\n\r":
                self.fail("unterminated string")
            c = s[self.pos]
            if c == '"':
                self.emit("quote", self.pos, self.pos + 1)
                self.pos += 1
                return
            if c == "\\":
                self.escape()
            elif c == "{":
                if s.startswith("{}", self.pos):
                    self.fail("empty interpolation `{}`")
                self.emit("interp-open", self.pos, self.pos + 1)
                self.pos += 1
                self.interpolations.append(0)
                return
            else:
                self.fail("unmatched `}` in string")

    def escape(self):
        s, start = self.s, self.pos
        nxt = s[self.pos + 1] if self.pos + 1 < self.n else ""
        if nxt in self.v.simple_escapes and nxt:
            self.pos += 2
        elif nxt == "u":
            m = re.compile(r"\\u\{([0-9A-Fa-f]{1,6})\}").match(s, self.pos)
            if not m or 0xD800 <= int(m.group(1), 16) <= 0xDFFF or int(m.group(1), 16) > 0x10FFFF:
                self.fail("invalid unicode escape")
            self.pos = m.end()
        else:
            self.fail("invalid escape sequence")
        self.emit("escape", start, self.pos)

    def punctuation(self):
        s = self.s
        op = next((o for o in self.ops if s.startswith(o, self.pos)), None)
        if op is None:
            self.fail(f"unexpected character {s[self.pos]!r}")
        start = self.pos
        self.pos += len(op)
        if self.interpolations:
            depth = self.interpolations[-1]
            if op in "([{":
                self.interpolations[-1] += 1
            elif op == "}" and depth == 0:
                self.interpolations.pop()
                self.emit("interp-close", start, self.pos)
                self.string_text()
                return
            elif op in ")]}":
                self.interpolations[-1] = max(0, depth - 1)
            elif op == ":" and depth == 0:
                end = start + 1
                while end < self.n and s[end] not in '}"\n\r':
                    end += 1
                if not self.spec.fullmatch(s, start + 1, end) or end >= self.n or s[end] != "}":
                    self.fail("invalid format spec", start)
                self.emit("format", start, end)
                self.pos = end
                return
        self.emit("op", start, self.pos)
