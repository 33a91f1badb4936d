#!/usr/bin/env python3
"""Tests the editor grammars: the TextMate grammar (editors/vscode) and the Pygments lexer
(editors/pygments), on every example and StdLib file, a file of the constructs they do not use
(grammars/constructs.dcl) and the ```dcl blocks of README.md and docs/language.md, against the
language definition.

Run with plain `python3 Tests/python/test_grammars.py` (needs `pygments`; no pytest). Exits 1
if any test fails. The TextMate regexes are compiled with Python's `re` (see grammars/textmate.py
for the portable subset the grammar keeps to).

What cannot drift: the keyword and contextual-word lists, operators, size suffixes, escapes and
format specs are read from Grammar/dcl.ebnf; the built-in names from docs/builtins.md (generated
from the catalog in Sources/DCLSema/Catalog). Each grammar must classify exactly those words.
"""

import copy
import glob
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from grammars import ebnf, expectations, oniguruma, reference_lexer, textmate  # noqa: E402
from grammars.samples import SAMPLES  # noqa: E402

from pygments import token as T  # noqa: E402

VOCAB = ebnf.load(os.path.join(ROOT, "Grammar/dcl.ebnf"))
FILES = sorted(glob.glob(os.path.join(ROOT, "Examples/*.dcl")) + glob.glob(os.path.join(ROOT, "Examples/bench/*.dcl"))
               + glob.glob(os.path.join(ROOT, "StdLib/std/*.dcl")))
# Constructs no example uses (while, `..=`, comprehensions, nested interpolations, file imports…).
CONSTRUCTS = os.path.join(HERE, "grammars/constructs.dcl")
# The dcl code blocks of the language documentation: more of the language than the examples use.
SNIPPET_DOCS = ["README.md", "docs/language.md"]
TM_PATH = os.path.join(ROOT, "editors/vscode/syntaxes/dcl.tmLanguage.json")
LEXER_PATH = os.path.join(ROOT, "editors/pygments/dcl_lexer.py")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def catalog_builtins():
    """The built-in names of docs/builtins.md's tables (the Methods table names no built-ins)."""
    names = re.findall(r"^\| `([a-z_0-9]+)`", read(os.path.join(ROOT, "docs/builtins.md")), re.M)
    if len(names) < 50:
        raise AssertionError(f"docs/builtins.md: only {len(names)} built-ins found; has its table format changed?")
    return frozenset(names)


BUILTINS = catalog_builtins()


def sources():
    """(name, text) for every example and StdLib file, CONSTRUCTS and every ```dcl block of SNIPPET_DOCS."""
    out = [(os.path.relpath(p, ROOT), read(p)) for p in FILES + [CONSTRUCTS]]
    for doc in SNIPPET_DOCS:
        text = read(os.path.join(ROOT, doc))
        for m in re.finditer(r"^```dcl[^\n]*\n(.*?)^```", text, re.S | re.M):
            out.append((f"{doc}:{text.count(chr(10), 0, m.start(1)) + 1}", m.group(1)))
    if len(out) < len(FILES) + 11:
        raise AssertionError(f"only {len(out) - len(FILES) - 1} dcl blocks in {SNIPPET_DOCS}; has the fence changed?")
    return out


def load_lexer_class():
    spec = importlib.util.spec_from_file_location("dcl_lexer", LEXER_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DclLexer


DclLexer = load_lexer_class()


# MARK: classification -------------------------------------------------------------------------

TM_FAMILIES = [  # (scope prefix, category); the longest matching prefix of a scope decides
    ("comment", "comment"), ("punctuation.definition.comment", "comment"),
    ("constant.character.escape", "escape"), ("punctuation.section.interpolation", "interp"),
    ("constant.other.format-spec", "format"), ("string", "string"), ("punctuation.definition.string", "string"),
    ("keyword.other.unit", "unit"), ("constant.numeric", "number"), ("keyword.other.contextual", "contextual"),
    ("keyword.control", "keyword"), ("keyword.other", "keyword"), ("storage.type.declaration", "keyword"),
    ("keyword.operator.logical", "keyword"), ("constant.language", "keyword"), ("keyword.operator", "operator"),
    ("punctuation", "punct"), ("support.function", "builtin"), ("support.type", "type"),
    ("variable.parameter", "parameter"), ("variable", "name"), ("entity.name", "name"), ("invalid", "invalid"),
]


def tm_category(scopes):
    """The category of the innermost scope that has one (meta.* and the root scope have none)."""
    for scope in reversed(scopes or ()):
        best = max((p for p, _ in TM_FAMILIES if scope == p or scope.startswith(p + ".")), key=len, default=None)
        if best:
            return dict(TM_FAMILIES)[best]
    return None


PYGMENTS_FAMILIES = [  # most specific first
    (T.Comment, "comment"), (T.String.Escape, "escape"), (T.String.Interpol, "interp"), (T.String, "string"),
    (T.Number.Unit, "unit"), (T.Number, "number"), (T.Keyword.Pseudo, "contextual"), (T.Keyword.Type, "type"),
    (T.Keyword, "keyword"), (T.Operator.Word, "keyword"), (T.Operator, "operator"), (T.Punctuation, "punct"),
    (T.Name.Builtin, "builtin"), (T.Name.Attribute, "parameter"), (T.Name, "name"), (T.Error, "invalid"),
]
# Pygments has no token type for a format spec: it is String.Interpol, like the braces.
PYGMENTS_ALIASES = {"format": "interp"}


def pygments_category(ttype):
    return next((c for t, c in PYGMENTS_FAMILIES if ttype in t), None)


def pygments_chars(lexer_class, text):
    """(category per character, token type per character); checks the tokens rebuild the text."""
    tokens = list(lexer_class(stripnl=False, ensurenl=False).get_tokens_unprocessed(text))
    rebuilt = "".join(v for _, _, v in tokens)
    if rebuilt != text:
        raise AssertionError("Pygments tokens do not concatenate back to the input")
    cats, types = [None] * len(text), [None] * len(text)
    for start, ttype, value in tokens:
        for k in range(start, start + len(value)):
            cats[k], types[k] = pygments_category(ttype), ttype
    return cats, types


def textmate_chars(grammar, text):
    """(category per character, scopes per character); line breaks get None."""
    cats, scopes = [None] * len(text), [None] * len(text)
    offset = 0
    for line, tokens in zip(text.split("\n"), grammar.tokenize(text)):
        for start, end, s in tokens:
            for k in range(start, end):
                cats[offset + k], scopes[offset + k] = tm_category(s), s
        offset += len(line) + 1
    return cats, scopes


def position(text, k):
    line = text.count("\n", 0, k) + 1
    return f"{line}:{k - (text.rfind(chr(10), 0, k) + 1) + 1}"


def file_problems(name, text, cats, aliases=None):
    """Every token classified as the reference lexer and expectations say; nothing unclassified."""
    aliases = aliases or {}
    problems = []
    for k, c in enumerate(text):
        if not c.isspace() and cats[k] in (None, "invalid"):
            problems.append(f"{name}:{position(text, k)}: {c!r} is {'unclassified' if cats[k] is None else 'invalid'}")
    for tok, allowed in expectations.expected(reference_lexer.lex(text, VOCAB), VOCAB, BUILTINS):
        allowed = {aliases.get(a, a) for a in allowed}
        got = {cats[k] for k in range(tok.start, tok.end) if not text[k].isspace()}
        if not got <= allowed:
            problems.append(f"{name}:{position(text, tok.start)}: {tok.text!r} is {sorted(got, key=str)}, "
                            f"expected {sorted(allowed)}")
    return problems


# MARK: grammars under test ---------------------------------------------------------------------

def tm_raw():
    return json.loads(read(TM_PATH))


def tm_grammar(raw=None, engine=None):
    return textmate.Grammar(raw if raw is not None else tm_raw(), engine)


def required(what, install):
    """A missing tool: a failure under DCL_REQUIRE_PYTHON_CHECKS=1 (.ci/run), else a skip with a notice."""
    if os.environ.get("DCL_REQUIRE_PYTHON_CHECKS") == "1":
        raise AssertionError(f"{what} is required with DCL_REQUIRE_PYTHON_CHECKS=1 ({install})")
    print(f"     skipped: {what} not found ({install})")


def pygments_classifier(lexer_class):
    def classify(text):
        return pygments_chars(lexer_class, text)[0]
    return classify


def textmate_classifier(grammar):
    def classify(text):
        return textmate_chars(grammar, text)[0]
    return classify


def vocabulary_words():
    """Every word the checks try: the grammar's, the examples', the StdLib's and the docs'."""
    words = set(VOCAB.keywords | VOCAB.contextual | BUILTINS)
    sources = [os.path.join(ROOT, "Grammar/dcl.ebnf"), CONSTRUCTS] + FILES + glob.glob(os.path.join(ROOT, "docs/*.md"))
    for path in sources:
        words.update(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", read(path)))
    return sorted(w for w in words if not w[0].isdigit())


WORD_CONTEXTS = ["{w}", "x = ({w})", "print [1, {w}]"]


def word_classes(classify, words):
    """{word: set of categories the word gets across WORD_CONTEXTS}."""
    out = {}
    for w in words:
        got = set()
        for ctx in WORD_CONTEXTS:
            line = ctx.format(w=w)
            k = line.index(w, len(ctx.split("{w}")[0]))
            got.update(classify(line + "\n")[k:k + len(w)])
        out[w] = got
    return out


def keyword_problems(classify, words=None):
    """Missing: an EBNF keyword not always a keyword; extra: any other word ever a keyword."""
    classes = word_classes(classify, words if words is not None else vocabulary_words())
    missing = sorted(w for w in VOCAB.keywords if classes[w] != {"keyword"})
    extra = sorted(w for w, c in classes.items() if "keyword" in c and w not in VOCAB.keywords)
    contextual = sorted(w for w in VOCAB.contextual if w in classes and classes[w] & {"keyword", "contextual"})
    problems = []
    if missing:
        problems.append(f"keywords of Grammar/dcl.ebnf not classified as keywords: {missing}")
    if extra:
        problems.append(f"words classified as keywords that Grammar/dcl.ebnf does not reserve: {extra}")
    if contextual:
        problems.append(f"contextual words highlighted outside their place: {contextual}")
    return problems


def builtin_problems(classify):
    words = vocabulary_words()
    got = set()
    for w in words:
        line = f"x = {w}(1) |> {w}\n"
        cats = classify(line)
        first, second = line.index(w), line.rindex(w)
        if set(cats[first:first + len(w)]) == {"builtin"} and set(cats[second:second + len(w)]) == {"builtin"}:
            got.add(w)
    problems = []
    hint = " (python3 editors/sync_builtins.py rewrites both lists from docs/builtins.md)"
    if BUILTINS - got:
        problems.append(f"built-ins of docs/builtins.md not highlighted as built-ins: {sorted(BUILTINS - got)}{hint}")
    if got - BUILTINS:
        problems.append(f"words highlighted as built-ins that the catalog lacks: {sorted(got - BUILTINS)}{hint}")
    return problems


def without_keyword_textmate(word):
    raw = tm_raw()
    for rule in raw["repository"]["keywords"]["patterns"]:
        rule["match"] = re.sub(r"(?<=[(|])" + word + r"\||\|" + word + r"(?=\))", "", rule["match"])
    return tm_grammar(raw)


def mutated_pygments(edit):
    """A subclass of DclLexer whose token table went through `edit` (a function on a deep copy)."""
    tokens = copy.deepcopy(DclLexer.tokens)
    edit(tokens)
    return type("MutatedDclLexer", (DclLexer,), {"tokens": tokens})


def without_keyword_pygments(word):
    from pygments.lexer import words as Words

    def edit(tokens):
        for state in tokens.values():
            for i, entry in enumerate(state):
                if isinstance(entry, tuple) and isinstance(entry[0], Words) and word in entry[0].words:
                    w = entry[0]
                    state[i] = (Words(tuple(x for x in w.words if x != word), w.prefix, w.suffix),) + entry[1:]
    return mutated_pygments(edit)


# MARK: tests -----------------------------------------------------------------------------------

def test_vocabulary_is_read_from_the_grammar():
    assert len(VOCAB.keywords) >= 30 and {"model", "train", "fn"} <= VOCAB.keywords, sorted(VOCAB.keywords)
    assert not VOCAB.keywords & VOCAB.contextual
    assert "KiB" in VOCAB.size_suffixes and "|>" in VOCAB.operators and "n" in VOCAB.simple_escapes
    assert len(FILES) >= 16, FILES


def test_reference_lexer_reads_every_file():
    for path, text in sources():
        tokens = reference_lexer.lex(text, VOCAB)
        covered = [False] * len(text)
        last = 0
        for t in tokens:
            assert t.start >= last and t.end > t.start, f"{path}: overlapping or empty token {t}"
            last = t.end
            for k in range(t.start, t.end):
                covered[k] = True
        stray = [k for k, c in enumerate(text) if not covered[k] and not c.isspace()]
        assert not stray, f"{path}:{position(text, stray[0])}: character outside every token"


def test_reference_lexer_rejects_what_the_lexer_rejects():
    for bad in ['"abc', '"a\\q"', '"{}"', '"a}"', "3x", "1e", "/* open", "x ! y", '"{a:.q}"']:
        try:
            reference_lexer.lex(bad, VOCAB)
        except reference_lexer.LexError:
            continue
        raise AssertionError(f"reference lexer accepted {bad!r}")


def test_pygments_keywords_are_exactly_the_grammars():
    problems = keyword_problems(pygments_classifier(DclLexer))
    assert not problems, "\n".join(problems)


def test_textmate_keywords_are_exactly_the_grammars():
    problems = keyword_problems(textmate_classifier(tm_grammar()))
    assert not problems, "\n".join(problems)


def test_removing_a_keyword_is_caught():
    for word in ("while", "none", "retrieval"):
        for kind, classify in (("pygments", pygments_classifier(without_keyword_pygments(word))),
                               ("textmate", textmate_classifier(without_keyword_textmate(word)))):
            problems = keyword_problems(classify, sorted(VOCAB.keywords | VOCAB.contextual))
            assert any(word in p and "not classified" in p for p in problems), f"{kind} without {word!r}: {problems}"


def test_pygments_builtins_are_the_catalogs():
    problems = builtin_problems(pygments_classifier(DclLexer))
    assert not problems, "\n".join(problems)


def test_textmate_builtins_are_the_catalogs():
    problems = builtin_problems(textmate_classifier(tm_grammar()))
    assert not problems, "\n".join(problems)


def test_sync_builtins_keeps_both_lists():
    run = subprocess.run([sys.executable, os.path.join(ROOT, "editors/sync_builtins.py"), "--check"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    spec = importlib.util.spec_from_file_location("sync_builtins", os.path.join(ROOT, "editors/sync_builtins.py"))
    sync = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sync)
    fewer = [n for n in sync.catalog() if n != "relu"]
    raw = json.loads(sync.textmate_text(read(TM_PATH), fewer))
    assert "|relu|" not in raw["repository"]["builtins"]["match"] and "|gelu|" in raw["repository"]["builtins"]["match"]
    problems = builtin_problems(textmate_classifier(tm_grammar(raw)))
    assert any("['relu']" in p for p in problems), problems
    scope = {}
    exec(compile(sync.lexer_text(read(LEXER_PATH), fewer), "dcl_lexer.py", "exec"), scope)
    assert "relu" not in scope["BUILTINS"] and "gelu" in scope["BUILTINS"]


def test_pygments_on_every_file():
    problems = []
    for name, text in sources():
        cats, _ = pygments_chars(DclLexer, text)
        problems += file_problems(name, text, cats, PYGMENTS_ALIASES)
    assert not problems, "\n".join(problems[:40])


def test_textmate_regexes_compile_portably():
    grammar = tm_grammar()  # compiles every regex, rejecting non-portable constructs and unknown keys
    count = sum(1 for r in grammar.all_rules() if r.kind in ("match", "begin"))
    assert count >= 40, count
    for bad in [r"(?P<x>a)", r"a++", r"\Aa", r"(?i)a", r"(?>a)"]:
        assert textmate.portability_problems(bad), bad


def test_textmate_tokenizer_follows_vscode_textmate():
    """The tokenizer itself, on a toy grammar: earliest match wins, ties go to the earlier pattern,
    a begin/end rule's end goes before its patterns, captures nest, contentName covers only the
    inside, state carries across lines, and the endless loops VS Code gives up on are errors."""
    toy = {"scopeName": "source.toy", "patterns": [
        {"match": "(a)(b(c))", "name": "m", "captures": {"1": {"name": "one"}, "3": {"name": "three"}}},
        {"match": "ab", "name": "ab"},
        {"match": "x", "name": "x1"}, {"match": "x", "name": "x2"},
        {"begin": "<", "end": ">", "name": "angle", "contentName": "inside", "patterns": [
            {"match": ">>", "name": "never"}, {"include": "$self"}]}]}
    g = textmate.Grammar(toy)
    lines = g.tokenize("abc x <x\n>> ab")
    scopes = lambda i, k: next(s for a, b, s in lines[i] if a <= k < b)  # noqa: E731
    assert scopes(0, 0) == ("source.toy", "m", "one") and scopes(0, 1) == ("source.toy", "m")
    assert scopes(0, 2) == ("source.toy", "m", "three") and scopes(0, 4) == ("source.toy", "x1")
    assert scopes(0, 6) == ("source.toy", "angle") and scopes(0, 7) == ("source.toy", "angle", "inside", "x1")
    assert scopes(1, 0) == ("source.toy", "angle") and scopes(1, 1) == ("source.toy",)
    assert scopes(1, 3) == ("source.toy", "ab")  # no `c`: the second pattern
    for looping in [{"match": "(?=a)", "name": "z"},
                    {"begin": "(?=a)", "end": "(?=a)", "name": "z"}]:
        try:
            textmate.Grammar({"scopeName": "s", "patterns": [looping]}).tokenize("a")
        except textmate.GrammarError as e:
            assert "endless loop" in str(e), e
            continue
        raise AssertionError(f"no endless-loop error for {looping}")


def test_textmate_on_every_file():
    grammar = tm_grammar()
    problems = []
    for name, text in sources():
        cats, _ = textmate_chars(grammar, text)
        problems += file_problems(name, text, cats)
    assert not problems, "\n".join(problems[:40])


def test_textmate_on_oniguruma_gives_the_same_scopes():
    """The grammar on Oniguruma, VS Code's engine (libonig through ctypes), scopes every file, block
    and sample line exactly as on Python's `re`; every regex compiles there too."""
    engine = oniguruma.load()
    if engine is None:
        return required("libonig", "apt-get install libonig5")
    onig, python = tm_grammar(engine=engine), tm_grammar()
    texts = sources() + [(f"sample {i}", line + "\n") for i, (line, _) in enumerate(SAMPLES)]
    for name, text in texts:
        a, b = textmate_chars(onig, text)[1], textmate_chars(python, text)[1]
        diff = next((k for k in range(len(text)) if a[k] != b[k]), None)
        assert diff is None, f"{name}:{position(text, diff)}: Oniguruma {a[diff]}, re {b[diff]}"
    try:
        textmate.compile_regex(r"(?<=a", "probe", engine)
    except textmate.GrammarError:
        return
    raise AssertionError("Oniguruma accepted a broken pattern: the binding is not reporting errors")


def test_file_checks_catch_misclassification():
    # A float scoped as a variable, and escapes left as plain string text: both must be reported.
    raw = tm_raw()
    raw["repository"]["number"]["patterns"][1]["name"] = "variable.other.dcl"
    text = read(os.path.join(ROOT, "Examples/quickstart.dcl"))
    cats, _ = textmate_chars(tm_grammar(raw), text)
    assert any("'2e-3'" in p for p in file_problems("quickstart", text, cats))

    def drop_escapes(tokens):
        tokens["string"] = [e for e in tokens["string"] if e[1] is not T.String.Escape]
    sample = 'print "a\\tb {x:.2f}"\n'
    cats, _ = pygments_chars(mutated_pygments(drop_escapes), sample)
    assert any("'\\\\t'" in p for p in file_problems("sample", sample, cats, PYGMENTS_ALIASES))


def test_half_typed_code_never_breaks_either_grammar():
    """Prefixes of every file and seeded byte-level edits: both tokenizers finish, Pygments still
    rebuilds the text, and the TextMate tokenizer never stalls (GrammarError) on any line."""
    import random
    rng = random.Random(16)
    grammar = tm_grammar()
    junk = ['"', "{", "}", "(", ")", "[", "]", "/*", "*/", "//", "\\", ":", "\n", "é", "!", "#", "1e", "3x", "\t"]
    for path in FILES + [CONSTRUCTS]:
        text = read(path)
        variants = [text[:k] for k in range(0, len(text), max(1, len(text) // 8))]
        for _ in range(8):
            k = rng.randrange(len(text) + 1)
            variants.append(text[:k] + rng.choice(junk) + text[k + rng.randrange(3):])
        for v in variants:
            pygments_chars(DclLexer, v)
            textmate_chars(grammar, v)


def sample_problems(line, checks, scope_of, kind):
    problems = []
    for needle, occurrence, tm_scope, pyg_type in checks:
        k = -1
        for _ in range(occurrence + 1):
            k = line.index(needle, k + 1)
        expected = tm_scope if kind == "textmate" else pyg_type
        got = {scope_of(j) for j in range(k, k + len(needle))}
        if got != {expected}:
            problems.append(f"{kind}: {needle!r} (#{occurrence}) in {line!r}: {sorted(got)}, expected {expected!r}")
    return problems


def test_sample_lines_exactly():
    grammar = tm_grammar()
    problems = []
    for line, checks in SAMPLES:
        text = line + "\n"
        _, scopes = textmate_chars(grammar, text)
        problems += sample_problems(line, checks, lambda j: scopes[j][-1], "textmate")
        _, types = pygments_chars(DclLexer, text)
        problems += sample_problems(line, checks, lambda j: str(types[j]).removeprefix("Token."), "pygments")
    assert not problems, "\n".join(problems)


def test_pygmentize_runs_the_lexer_file():
    quickstart = os.path.join(ROOT, "Examples/quickstart.dcl")
    run = subprocess.run([sys.executable, "-m", "pygments", "-l", LEXER_PATH + ":DclLexer", "-x", "-f", "raw",
                          quickstart], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "Token.Keyword.Namespace\t'import'" in run.stdout and "Token.Error" not in run.stdout, run.stdout[:400]


def test_pygments_plugin_metadata():
    meta = tomllib.loads(read(os.path.join(ROOT, "editors/pygments/pyproject.toml")))
    entry = meta["project"]["entry-points"]["pygments.lexers"]
    assert entry == {"dcl": "dcl_lexer:DclLexer"}, entry
    assert "pygments" in " ".join(meta["project"]["dependencies"])
    assert DclLexer.aliases == ["dcl"] and DclLexer.filenames == ["*.dcl"], (DclLexer.aliases, DclLexer.filenames)


def test_vscode_extension_manifest():
    base = os.path.join(ROOT, "editors/vscode")
    pkg = json.loads(read(os.path.join(base, "package.json")))
    [lang] = pkg["contributes"]["languages"]
    assert lang["id"] == "dcl" and lang["extensions"] == [".dcl"], lang
    [grammar] = pkg["contributes"]["grammars"]
    assert grammar["language"] == "dcl" and grammar["scopeName"] == tm_raw()["scopeName"] == "source.dcl"
    assert os.path.normpath(os.path.join(base, grammar["path"])) == TM_PATH
    setting = pkg["contributes"]["configuration"]["properties"]["dcl.server.path"]
    assert setting["type"] == "string" and setting["default"] == "dcl", setting
    assert "vscode-languageclient" in pkg["dependencies"]
    assert os.path.isfile(os.path.join(base, pkg["main"])), pkg["main"]  # run by the next test
    assert pkg["activationEvents"] == ["onLanguage:dcl"], pkg["activationEvents"]
    assert pkg["contributes"]["configuration"]["properties"]["dcl.inlayHints.shapes"]["default"] is True
    config = json.loads(read(os.path.join(base, lang["configuration"])))
    comment = ebnf.quoted(ebnf.rule(ebnf.strip_comments(read(os.path.join(ROOT, "Grammar/dcl.ebnf"))), "COMMENT"))
    assert config["comments"] == {"lineComment": comment[0], "blockComment": [comment[1], comment[2]]}, config["comments"]
    assert sorted(map(tuple, config["brackets"])) == [("(", ")"), ("[", "]"), ("{", "}")]
    closing = {p["open"]: p["close"] for p in config["autoClosingPairs"]}
    assert closing == {"(": ")", "[": "]", "{": "}", '"': '"'}, closing
    increase = re.compile(config["indentationRules"]["increaseIndentPattern"])
    decrease = re.compile(config["indentationRules"]["decreaseIndentPattern"])
    for line in ["model m {", "  features {", "let x = f(", "role device[devices] {  // fleet", "xs = ["]:
        assert increase.search(line), line
    for line in ["}", "  )", "]", "  } else {"]:
        assert decrease.search(line), line
    for line in ["let x = { a: 1 }", "// {", "print \"{x}\""]:
        assert not increase.search(line) and not decrease.search(line), line


def test_vscode_extension_starts_the_server():
    """extension.js under node, with stand-ins for the VS Code modules (grammars/extension_check.js).

    Without node the test is skipped with a notice, unless DCL_REQUIRE_PYTHON_CHECKS=1 (.ci/run).
    """
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        return required("node", "apt-get install nodejs")
    run = subprocess.run([node, os.path.join(HERE, "grammars/extension_check.js"),
                          os.path.join(ROOT, "editors/vscode/extension.js")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stdout + run.stderr


def main():
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    failed = 0
    for name, test in tests:
        try:
            test()
            print(f"ok   {name}")
        except Exception:
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc(limit=3)
    print(f"{len(tests) - failed} passed, {failed} failed ({len(tests)} tests; {len(FILES) + 1} files and "
          f"{len(sources()) - len(FILES) - 1} documentation blocks)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
