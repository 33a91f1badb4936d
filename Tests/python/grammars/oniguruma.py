"""Oniguruma — the regex engine of TextMate and of VS Code (vscode-oniguruma) — through ctypes, so
the TextMate tokenizer can run the grammar on the real engine as well as on Python's `re`.

Uses the system library (Debian: `libonig5`), with the options vscode-oniguruma compiles with:
UTF-8, the default (Oniguruma/Ruby) syntax and ONIG_OPTION_CAPTURE_GROUP. `load()` returns None
when the library is missing; callers decide whether that is a skip or a failure.
"""

import ctypes
import ctypes.util

ONIG_OPTION_NONE = 0
ONIG_OPTION_CAPTURE_GROUP = 256
ONIG_MISMATCH = -1
ONIG_MAX_ERROR_MESSAGE_LEN = 90


class OnigError(ValueError):
    pass


class _Region(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_int), ("num_regs", ctypes.c_int),
                ("beg", ctypes.POINTER(ctypes.c_int)), ("end", ctypes.POINTER(ctypes.c_int)),
                ("history_root", ctypes.c_void_p)]


class _ErrorInfo(ctypes.Structure):
    _fields_ = [("enc", ctypes.c_void_p), ("par", ctypes.c_void_p), ("par_end", ctypes.c_void_p)]


class Engine:
    def __init__(self, lib):
        self.lib = lib
        lib.onig_new.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint,
                                 ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(_ErrorInfo)]
        lib.onig_search.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_void_p, ctypes.POINTER(_Region), ctypes.c_uint]
        lib.onig_region_new.restype = ctypes.POINTER(_Region)
        lib.onig_region_free.argtypes = [ctypes.POINTER(_Region), ctypes.c_int]
        lib.onig_error_code_to_str.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_ErrorInfo)]
        self.utf8 = ctypes.addressof(ctypes.c_char.in_dll(lib, "OnigEncodingUTF8"))
        self.syntax = ctypes.c_void_p.in_dll(lib, "OnigDefaultSyntax").value
        encodings = (ctypes.c_void_p * 1)(self.utf8)
        if lib.onig_initialize(encodings, 1) != 0:
            raise OnigError("onig_initialize failed")
        self.version = lib.onig_version
        self.version.restype = ctypes.c_char_p

        self._last = None

    def compile(self, pattern):
        return Regex(self, pattern)

    def encoded(self, subject):
        """UTF-8 bytes of `subject`, str offset -> byte offset, and byte offset -> str offset
        (the tokenizer searches one line many times, so the last one is kept)."""
        if self._last is None or self._last[0] is not subject:
            byte_at = [0] * (len(subject) + 1)
            for i, ch in enumerate(subject):
                byte_at[i + 1] = byte_at[i] + len(ch.encode("utf-8"))
            self._last = (subject, subject.encode("utf-8"), byte_at, {b: i for i, b in enumerate(byte_at)})
        return self._last[1:]


class Regex:
    """A compiled pattern with `search(subject, pos)` over str offsets, like `re.Pattern`."""

    def __init__(self, engine, pattern):
        self.engine = engine
        self.pattern = pattern
        self._source = pattern.encode("utf-8")
        handle = ctypes.c_void_p()
        info = _ErrorInfo()
        src = ctypes.c_char_p(self._source)
        start = ctypes.cast(src, ctypes.c_void_p).value
        code = engine.lib.onig_new(ctypes.byref(handle), start, start + len(self._source), ONIG_OPTION_CAPTURE_GROUP,
                                   engine.utf8, engine.syntax, ctypes.byref(info))
        if code != 0:
            buf = ctypes.create_string_buffer(ONIG_MAX_ERROR_MESSAGE_LEN)
            engine.lib.onig_error_code_to_str(buf, code, ctypes.byref(info))
            raise OnigError(buf.value.decode("utf-8", "replace"))
        self.handle = handle

    def __del__(self):
        if getattr(self, "handle", None) and self.handle.value:
            self.engine.lib.onig_free(self.handle)

    def search(self, subject, pos=0):
        data, byte_at, char_at = self.engine.encoded(subject)
        buf = ctypes.c_char_p(data)
        base = ctypes.cast(buf, ctypes.c_void_p).value
        region = self.engine.lib.onig_region_new()
        try:
            r = self.engine.lib.onig_search(self.handle, base, base + len(data), base + byte_at[pos],
                                            base + len(data), region, ONIG_OPTION_NONE)
            if r == ONIG_MISMATCH:
                return None
            if r < 0:
                raise OnigError(f"onig_search failed ({r}) for {self.pattern!r}")
            spans = []
            for g in range(region.contents.num_regs):
                b, e = region.contents.beg[g], region.contents.end[g]
                spans.append((-1, -1) if b < 0 else (char_at[b], char_at[e]))
            return Match(spans)
        finally:
            self.engine.lib.onig_region_free(region, 1)


class Match:
    def __init__(self, spans):
        self.spans = spans

    def start(self, group=0):
        return self.spans[group][0] if group < len(self.spans) else -1

    def end(self, group=0):
        return self.spans[group][1] if group < len(self.spans) else -1


_engine = None


def load():
    """The Oniguruma engine, or None if the library is not installed."""
    global _engine
    if _engine is None:
        name = ctypes.util.find_library("onig")
        if name is None:
            return None
        _engine = Engine(ctypes.CDLL(name))
    return _engine
