"""What each token of a dcl file should be highlighted as, from the reference lexer's tokens.

A small declaration-level reading of the token stream decides where a reserved word is read as a
name (Sources/DCLSyntax/Parser+Program.swift `parseWord`: after `.`, before a label's `:`, in an
import path and in a written type), where a contextual word has its meaning (dcl.ebnf), which
names are declared (never highlighted as built-ins) and which are parameters.

Categories, shared by the Pygments and TextMate checks (each maps its own token types to them):
comment, keyword, contextual, number, unit, string, escape, interp, format, operator, punct,
and the name-like ones: name, builtin, type, parameter.
"""

NAME_LIKE = frozenset({"name", "builtin", "type", "parameter"})
# Of dcl.ebnf's "Operators and punctuation", the ones highlighted as punctuation.
PUNCTUATION = frozenset({"(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "->"})
DECLARED_AFTER = {"let", "var", "param", "fn", "model", "block", "retrieval", "role"}
# The contextual words each statement gives a meaning to (dcl.ebnf train/distill/save/load).
STATEMENT_WORDS = {"train": {"on", "minimizing"}, "distill": {"on"}, "save": {"to"}, "load": {"from"}}

SIMPLE = {"comment": "comment", "number": "number", "unit": "unit", "quote": "string", "string": "string",
          "escape": "escape", "interp-open": "interp", "interp-close": "interp", "format": "format"}


def expected(tokens, vocab, builtins):
    """[(token, frozenset of allowed categories)] for every token."""
    sig = [t for t in tokens if t.kind != "comment"]
    reader = _Reader(sig, vocab)
    reader.read()
    out = []
    for t in tokens:
        if t.kind in SIMPLE:
            out.append((t, frozenset({SIMPLE[t.kind]})))
        elif t.kind == "op":
            out.append((t, frozenset({"punct" if t.text in PUNCTUATION else "operator"})))
        else:
            out.append((t, reader.word_categories(t, builtins)))
    return out


class _Reader:
    def __init__(self, sig, vocab):
        self.sig = sig
        self.v = vocab
        self.index = {id(t): i for i, t in enumerate(sig)}
        self.types = set()       # indices of words in written types
        self.declared = set()    # indices of declared names
        self.parameters = set()  # indices of parameter names in fn/model/block signatures
        self.imports = set()     # indices of words in import paths
        self.contextual = set()  # indices of contextual words in their place

    def op(self, i, text):
        return 0 <= i < len(self.sig) and self.sig[i].kind == "op" and self.sig[i].text == text

    def word(self, i):
        return 0 <= i < len(self.sig) and self.sig[i].kind == "word"

    def is_name_position(self, i):
        """After `.` or before `:` (a member, field, record key or argument label)."""
        return self.op(i - 1, ".") or self.op(i + 1, ":")

    def statement_start(self, i):
        return self.sig[i].line_start or self.op(i - 1, "{") or self.op(i - 1, ";")

    def read(self):
        depth = 0
        statement = None  # (keyword, depth): a train/distill/save/load line
        importing = False
        for i, t in enumerate(self.sig):
            if t.line_start:
                statement, importing = None, False
            if t.kind == "op":
                if t.text in "([{":
                    depth += 1
                elif t.text in ")]}":
                    depth -= 1
                    if statement and depth < statement[1]:
                        statement = None
                elif t.text == ";":
                    statement, importing = None, False
                continue
            if t.kind != "word":
                continue
            if importing:
                if t.text != "as":
                    self.imports.add(i)
                continue
            if i in self.types or i in self.declared or i in self.parameters:
                continue
            if t.text in self.v.keywords and not self.is_name_position(i):
                self.keyword(i, t.text, depth)
                if t.text in STATEMENT_WORDS and not (t.text == "distill" and self.op(i + 2, "=")):
                    statement = (t.text, depth)
                importing = t.text == "import"
            elif t.text in self.v.contextual and not self.is_name_position(i):
                self.contextual_word(i, t.text, depth, statement)

    def keyword(self, i, text, depth):
        if not self.word(i + 1):
            return
        if text in DECLARED_AFTER or (text in {"data", "split", "plugin", "distill"} and self.op(i + 2, "=")):
            self.declared.add(i + 1)
        if text in {"let", "var", "param"} and self.op(i + 2, ":"):
            self.type_at(i + 3)
        elif text in {"fn", "model", "block"}:
            self.signature(i + 2)
        elif text == "bundle" and self.word(i + 2) and self.sig[i + 2].text == "for" and self.word(i + 3):
            self.declared.update({i + 1, i + 3})

    def contextual_word(self, i, text, depth, statement):
        if text == "input" and self.statement_start(i) and self.word(i + 1) and self.op(i + 2, ":"):
            self.contextual.add(i)
            self.declared.add(i + 1)
            if self.word(i + 3) and self.op(i + 4, "["):
                self.types.add(i + 3)
        elif text in {"stem", "features", "head"} and self.statement_start(i) and self.op(i + 1, "{"):
            self.contextual.add(i)
        elif statement and statement[1] == depth and text in STATEMENT_WORDS[statement[0]]:
            self.contextual.add(i)

    def type_at(self, i):
        """Marks the written type starting at `i`; returns the index after it."""
        if not self.word(i):
            return i
        self.types.add(i)
        if not self.op(i + 1, "["):
            return i + 1
        j = i + 2
        while j < len(self.sig):
            j = self.type_at(j)
            if self.op(j, ","):
                j += 1
            elif self.op(j, "]"):
                return j + 1
            else:
                return j
        return j

    def signature(self, j):
        """Parameter lists `( … )` and `-> type` after `fn NAME`, `model NAME` or `block NAME`."""
        while self.op(j, "("):
            j += 1
            at_start = True
            nesting = 0
            while j < len(self.sig) and not (nesting == 0 and self.op(j, ")")):
                t = self.sig[j]
                if at_start and nesting == 0 and self.word(j):
                    self.parameters.add(j)
                    if self.op(j + 1, ":"):
                        j = self.type_at(j + 2)
                        at_start = False
                        continue
                at_start = False
                if t.kind == "op" and t.text in "([{":
                    nesting += 1
                elif t.kind == "op" and t.text in ")]}":
                    nesting -= 1
                elif nesting == 0 and self.op(j, ","):
                    at_start = True
                j += 1
            j += 1
        if self.op(j, "->"):
            self.type_at(j + 1)

    def word_categories(self, t, builtins):
        i = self.index[id(t)]
        if i in self.contextual:
            return frozenset({"contextual"})
        named = (self.is_name_position(i) or i in self.types or i in self.imports or i in self.declared
                 or i in self.parameters)
        if t.text in self.v.keywords and not named:
            return frozenset({"keyword"})
        if t.text in builtins and not named and t.text not in self.v.contextual:
            return frozenset({"builtin"})
        return NAME_LIKE
