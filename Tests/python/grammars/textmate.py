"""A small TextMate tokenizer: enough of vscode-textmate's rules to run dcl.tmLanguage.json.

Supports `match`, `begin`/`end`, `patterns`, `include` (`#name`, `$self`, `$base`), `name`,
`contentName`, `captures`, `beginCaptures` and `endCaptures`. Regexes are compiled with Python's
`re` (`portability_problems` rejects the constructs where it and Oniguruma differ), or with
Oniguruma itself (grammars/oniguruma.py) — the tests run both and require the same scopes. Anything else in the grammar is rejected rather than ignored,
so the test never passes on a rule it did not understand.

As in vscode-textmate, each line is matched with a trailing "\\n"; at each position the pattern
whose match starts earliest wins, ties going to the earlier pattern, and a begin/end rule's end
pattern goes first.
"""

import re

MATCH_KEYS = {"match", "name", "captures", "comment"}
BEGIN_KEYS = {"begin", "end", "name", "contentName", "captures", "beginCaptures", "endCaptures", "patterns", "comment"}
GROUP_KEYS = {"patterns", "comment"}
TOP_KEYS = {"$schema", "name", "scopeName", "fileTypes", "patterns", "repository"}


class GrammarError(ValueError):
    pass


def portability_problems(regex):
    """Constructs that Python's `re` and Oniguruma read differently (or only one supports)."""
    problems = []
    for pattern, what in [(r"\(\?P", "Python-only named group"), (r"\\[AZzGhHK]", "anchor or class that differs"),
                          (r"\(\?[imsx-]+\)", "inline flags"), (r"\\[pP]\{", "Unicode property"),
                          (r"\[\[:", "POSIX bracket"), (r"\(\?>", "atomic group"), (r"[*+?}]\+", "possessive quantifier")]:
        if re.search(pattern, regex):
            problems.append(what)
    return problems


class Rule:
    def __init__(self, raw, where, engine=None):
        self.raw = raw
        self.where = where
        if "include" in raw:
            if set(raw) - {"include", "comment"}:
                raise GrammarError(f"{where}: include with other keys {sorted(set(raw) - {'include'})}")
            self.kind = "include"
        elif "match" in raw:
            self.check_keys(MATCH_KEYS)
            self.kind = "match"
            self.regex = compile_regex(raw["match"], where, engine)
        elif "begin" in raw:
            self.check_keys(BEGIN_KEYS)
            if "end" not in raw:
                raise GrammarError(f"{where}: begin without end")
            if re.search(r"\\[1-9]", raw["end"]):
                raise GrammarError(f"{where}: back-references in `end` are not supported")
            self.kind = "begin"
            self.regex = compile_regex(raw["begin"], where, engine)
            self.end = compile_regex(raw["end"], where + " end", engine)
        elif "patterns" in raw:
            self.check_keys(GROUP_KEYS)
            self.kind = "group"
        else:
            raise GrammarError(f"{where}: a rule needs include, match, begin or patterns")
        self.patterns = [Rule(p, f"{where}/patterns[{i}]", engine) for i, p in enumerate(raw.get("patterns", []))]
        for key in ("captures", "beginCaptures", "endCaptures"):
            for group, capture in raw.get(key, {}).items():
                if not group.isdigit() or set(capture) != {"name"}:
                    raise GrammarError(f"{where}: {key}[{group}] must be a group number with only a name")

    def check_keys(self, allowed):
        extra = set(self.raw) - allowed
        if extra:
            raise GrammarError(f"{self.where}: unsupported keys {sorted(extra)}")


def compile_regex(source, where, engine=None):
    """`engine`: None for Python's `re`, else an `oniguruma.Engine`."""
    problems = portability_problems(source)
    if problems:
        raise GrammarError(f"{where}: {', '.join(problems)} in {source!r}")
    try:
        return re.compile(source) if engine is None else engine.compile(source)
    except (re.error, ValueError) as e:
        raise GrammarError(f"{where}: {e} in {source!r}") from None


class Grammar:
    def __init__(self, raw, engine=None):
        extra = set(raw) - TOP_KEYS
        if extra:
            raise GrammarError(f"unsupported top-level keys {sorted(extra)}")
        self.scope = raw["scopeName"]
        self.root = Rule({"patterns": raw["patterns"]}, "patterns", engine)
        self.repository = {k: Rule(v, "repository/" + k, engine) for k, v in raw.get("repository", {}).items()}
        # Every include must resolve.
        for rule in self.all_rules():
            if rule.kind == "include":
                self.resolve(rule)

    def all_rules(self):
        stack = [self.root] + list(self.repository.values())
        while stack:
            r = stack.pop()
            yield r
            stack.extend(r.patterns)

    def resolve(self, rule):
        target = rule.raw["include"]
        if target in ("$self", "$base"):
            return self.root
        if target.startswith("#") and target[1:] in self.repository:
            return self.repository[target[1:]]
        raise GrammarError(f"{rule.where}: unresolved include {target!r}")

    def candidates(self, patterns, seen=None):
        """Match and begin rules reachable through includes and groups, in order."""
        seen = set() if seen is None else seen
        out = []
        for r in patterns:
            if r.kind == "include":
                r = self.resolve(r)
            if r.kind in ("match", "begin"):
                out.append(r)
            elif id(r) not in seen:
                seen.add(id(r))
                out.extend(self.candidates(r.patterns, seen))
        return out

    def cached_candidates(self, rule):
        cache = self.__dict__.setdefault("_candidates", {})
        if id(rule) not in cache:
            cache[id(rule)] = self.candidates(rule.patterns)
        return cache[id(rule)]

    def tokenize(self, text):
        """[[(start, end, scopes)] per line] for `text`."""
        stack = [(self.root, (self.scope,), -1)]  # (rule, scopes inside it, position it was entered at)
        lines = []
        for line in text.split("\n"):
            tokens, stack = self.tokenize_line(line, stack)
            lines.append(tokens)
        return lines

    def tokenize_line(self, line, stack):
        """As vscode-textmate's `_tokenizeString`, including its endless-loop checks — which make
        VS Code stop highlighting the line — raised here as GrammarError."""
        subject = line + "\n"
        scopes = [None] * len(line)
        pos = 0
        found = {}  # regex searches of this line, reused while still valid (see `search`)
        stack = [(rule, inside, -1) for rule, inside, _ in stack]  # a new line resets entry positions
        while True:
            rule, inside, _ = stack[-1]
            best = None  # (start, match, kind, rule)
            if rule.kind == "begin":
                m = search(found, ("end", id(rule)), rule.end, subject, pos)
                if m:
                    best = (m.start(), m, "end", rule)
            for cand in self.cached_candidates(rule):
                m = search(found, id(cand), cand.regex, subject, pos)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), m, cand.kind, cand)
            if best is None:
                fill(scopes, pos, len(line), inside)
                break
            start, m, kind, r = best
            fill(scopes, pos, start, inside)
            advanced = m.end() > pos
            where = f"column {pos + 1} of {line!r} ({r.where})"
            if kind == "end":
                apply(scopes, m, inside if "contentName" not in r.raw else inside[:-1],
                      r.raw.get("endCaptures", r.raw.get("captures", {})), line)
                popped = stack.pop()
                if not advanced and popped[2] == pos:
                    raise GrammarError(f"endless loop: a rule pushed and popped without advancing at {where}")
            elif kind == "match":
                apply(scopes, m, inside + named(r.raw), r.raw.get("captures", {}), line)
                if not advanced:
                    raise GrammarError(f"endless loop: a match rule matched nothing at {where}")
            else:
                outer = inside + named(r.raw)
                apply(scopes, m, outer, r.raw.get("beginCaptures", r.raw.get("captures", {})), line)
                content = outer + ((r.raw["contentName"],) if "contentName" in r.raw else ())
                if not advanced and any(f[0] is r and f[2] == pos for f in stack):
                    raise GrammarError(f"endless loop: a rule pushed itself without advancing at {where}")
                stack.append((r, content, pos))
            pos = max(pos, m.end())
        return merge(line, scopes), [(rule, inside, -1) for rule, inside, _ in stack]


def search(found, key, regex, subject, pos):
    """regex.search(subject, pos), reusing an earlier search of the same line from `p <= pos`: its
    leftmost match starting at or after `pos` (or its finding none) is also the answer from `pos`."""
    if key in found:
        p, m = found[key]
        if p <= pos and (m is None or m.start() >= pos):
            return m
    m = regex.search(subject, pos)
    found[key] = (pos, m)
    return m


def named(raw):
    return (raw["name"],) if "name" in raw else ()


def fill(scopes, start, end, value):
    for k in range(start, min(end, len(scopes))):
        scopes[k] = value


def apply(scopes, m, base, captures, line):
    for k in range(m.start(), min(m.end(), len(line))):
        extra = tuple(c["name"] for g, c in sorted(captures.items(), key=lambda x: int(x[0]))
                      if m.start(int(g)) != -1 and m.start(int(g)) <= k < m.end(int(g)))
        scopes[k] = base + extra


def merge(line, scopes):
    out = []
    for k, s in enumerate(scopes):
        if out and out[-1][2] == s:
            out[-1] = (out[-1][0], k + 1, s)
        else:
            out.append((k, k + 1, s))
    return out
