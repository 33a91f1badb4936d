"""A Pygments lexer for dcl (.dcl files), so docs and notebooks highlight models and scripts.

Use it without installing:
    pygmentize -l editors/pygments/dcl_lexer.py:DclLexer -x FILE.dcl
or install the plugin (editors/pygments/pyproject.toml) and use `-l dcl`.

The token rules follow Grammar/dcl.ebnf and the lexer in Sources/DCLSyntax:
* reserved words are keywords everywhere except where the parser reads them as names — after `.`
  (`cloud.data`), before `:` (`data: …`, `model: global`), in import paths (`std.data`) and in
  written types (`co: model`);
* contextual words (`on`, `minimizing`, `to`, `from`, `input`, `stem`, `features`, `head`) are
  `Keyword.Pseudo` only in their one place, and names elsewhere;
* strings end on their line, have the escapes `\\n \\t \\r \\0 \\\\ \\" \\{ \\}` and `\\u{…}`, and
  `{expr:spec}` interpolations; block comments nest;
* size literals (`100k`, `512KiB`) are numbers whose suffix is `Number.Unit`.
Tests/python/test_grammars.py checks all of this on every example and StdLib file.
"""

from pygments.lexer import RegexLexer, bygroups, default, include, words
from pygments.token import (Comment, Error, Keyword, Name, Number, Operator, Punctuation, String,
                            Whitespace)

__all__ = ['DclLexer']

IDENT = r'[A-Za-z_][A-Za-z0-9_]*'
DIGITS = r'[0-9][0-9_]*'
# dcl.ebnf `size_suffix`, longest first so `KiB` is not read as `K` + `iB`.
SIZE_SUFFIX = r'(?:KiB|MiB|GiB|KB|MB|GB|min|ms|k|K|M|G|T|B|s|h)'

CONTROL = ('if', 'else', 'for', 'in', 'while', 'return', 'break', 'continue')
NAMESPACE = ('import', 'as')
STATEMENT = ('print', 'train', 'save', 'load')
DECLARATION = ('fn', 'model', 'block', 'data', 'split', 'distill', 'plugin', 'retrieval', 'role',
               'bundle', 'param', 'let', 'var')
LOGICAL = ('and', 'or', 'not')
CONSTANT = ('true', 'false', 'none')

# The built-in layers and functions of docs/builtins.md (generated from Sources/DCLSema/Catalog);
# the test keeps this list equal to that table.
BUILTINS = (
    'linear', 'plinear', 'conv2d', 'depthwise', 'batchnorm', 'layernorm', 'embedding', 'relu',
    'leaky_relu', 'gelu', 'sigmoid', 'tanh', 'identity', 'softmax', 'log_softmax', 'dropout',
    'maxpool', 'avgpool', 'global_avgpool', 'flatten', 'reshape', 'permute',
    'position_embedding', 'channel_shuffle', 'slice', 'sum', 'mean', 'max', 'min', 'matmul',
    'concat', 'stop', 'exp', 'log', 'sqrt', 'abs', 'pow', 'shape', 'cosine_similarity',
    'argmax', 'cross_entropy', 'bce', 'mse', 'kl', 'len', 'str', 'int', 'float', 'round',
    'floor', 'ceil', 'div', 'std', 'sort', 'reverse', 'zip', 'keys', 'join', 'table', 'assert',
    'claim', 'clock', 'seed', 'idx', 'csv', 'npy', 'movielens', 'cifar10', 'images',
    'store_pool', 'scale', 'normalize', 'random_crop', 'hflip', 'shuffle', 'take', 'drop',
    'holdout', 'time_split', 'with_negatives', 'one_hot', 'select', 'filter_labels',
    'partition', 'iid', 'label_subset', 'dirichlet', 'class_groups', 'by_user', 'sgd', 'adam',
    'adamw', 'constant', 'step', 'cosine', 'warmup', 'history', 'evaluate', 'copy', 'average',
    'assign', 'summary', 'cost', 'reinit', 'vertical', 'attach', 'knn', 'overlap',
    'random_users', 'classifier', 'greedy', 'plot', 'predict', 'confusion_matrix',
    'class_accuracy',
)


def _statement(contextual):
    """The rest of a `train`/`distill`/`save`/`load` line, where `contextual` words are keywords.

    The line ends the state (as in the TextMate grammar); a `}` also closes the body around it.
    """
    return [
        (r'\n', Whitespace, '#pop'),
        (r';', Punctuation, '#pop'),
        (r'\}', Punctuation, '#pop:2'),
        (words(contextual, prefix=r'\b', suffix=r'\b(?![ \t]*:)'), Keyword.Pseudo),
        include('expression'),
    ]


class DclLexer(RegexLexer):
    """dcl: the model-definition language for device-cloud collaborative learning."""

    name = 'dcl'
    aliases = ['dcl']
    filenames = ['*.dcl']
    mimetypes = ['text/x-dcl']

    tokens = {
        'root': [
            include('statement'),
        ],
        'whitespace': [
            (r'\n', Whitespace),
            (r'[ \t]+', Whitespace),
        ],
        'comments': [
            (r'//[^\n]*', Comment.Single),
            (r'/\*', Comment.Multiline, 'block-comment'),
        ],
        'block-comment': [
            (r'/\*', Comment.Multiline, '#push'),
            (r'\*/', Comment.Multiline, '#pop'),
            (r'[^/*]+', Comment.Multiline),
            (r'[/*]', Comment.Multiline),
        ],
        # Statement level: the file, and inside `{ }` (bodies, records, field blocks).
        'statement': [
            # Contextual words that start a statement, before whitespace eats the indentation.
            (r'(?:^|(?<=[{;]))([ \t]*)(input)([ \t]+)(' + IDENT + r')([ \t]*)(:)(?:([ \t]*)(' + IDENT +
             r')(?=[ \t]*\[))?',
             bygroups(Whitespace, Keyword.Pseudo, Whitespace, Name.Variable, Whitespace, Punctuation,
                      Whitespace, Keyword.Type)),
            (r'(?:^|(?<=[{;]))([ \t]*)(stem|features|head)\b(?=[ \t]*\{)',
             bygroups(Whitespace, Keyword.Pseudo)),
            include('whitespace'),
            include('comments'),
            # A record key or role/bundle field; reserved words are allowed (`data: …`).
            (r'(' + IDENT + r')([ \t]*)(:)', bygroups(Name.Property, Whitespace, Punctuation)),
            (r'(import)\b', Keyword.Namespace, 'import'),
            (r'(fn)([ \t]+)(' + IDENT + r')', bygroups(Keyword.Declaration, Whitespace, Name.Function),
             'signature'),
            (r'(model|block)([ \t]+)(' + IDENT + r')', bygroups(Keyword.Declaration, Whitespace, Name.Class),
             'signature'),
            (r'(let|var|param)([ \t]+)(' + IDENT + r')([ \t]*)(:)',
             bygroups(Keyword.Declaration, Whitespace, Name.Variable, Whitespace, Punctuation), 'type'),
            (r'(let|var)([ \t]+)(' + IDENT + r')\b', bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            (r'(data|split|plugin|distill)([ \t]+)(' + IDENT + r')(?=[ \t]*=(?!=))',
             bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            (r'(retrieval|role)([ \t]+)(' + IDENT + r')\b', bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (r'(bundle)([ \t]+)(' + IDENT + r')([ \t]+)(for)([ \t]+)(' + IDENT + r')\b',
             bygroups(Keyword.Declaration, Whitespace, Name.Class, Whitespace, Keyword, Whitespace, Name.Class)),
            (r'train\b', Keyword, 'train'),
            (r'distill\b', Keyword, 'distill'),
            (r'save\b', Keyword, 'save'),
            (r'load\b', Keyword, 'load'),
            include('expression'),
        ],
        'expression': [
            include('whitespace'),
            include('comments'),
            (r'"', String.Double, 'string'),
            (r'(' + DIGITS + r'(?:\.' + DIGITS + r')?(?:[eE][+-]?' + DIGITS + r')?)(' + SIZE_SUFFIX + r')\b',
             bygroups(Number, Number.Unit)),
            (DIGITS + r'(?:\.' + DIGITS + r'(?:[eE][+-]?' + DIGITS + r')?|[eE][+-]?' + DIGITS + r')\b', Number.Float),
            (DIGITS + r'\b', Number.Integer),
            # A number run into letters that are not a size suffix (`3x`): the lexer rejects it.
            (DIGITS + r'(?:\.[0-9][0-9_]*)?(?:[eE][+-]?)?[A-Za-z0-9_]*', Error),
            (r'\.\.=?', Operator),
            (r'(\.)([ \t]*)(' + IDENT + r')(?=[ \t]*\()', bygroups(Punctuation, Whitespace, Name.Function)),
            (r'(\.)([ \t]*)(' + IDENT + r')', bygroups(Punctuation, Whitespace, Name.Property)),
            (words(CONTROL, prefix=r'\b', suffix=r'\b'), Keyword),
            (words(NAMESPACE, prefix=r'\b', suffix=r'\b'), Keyword.Namespace),
            (words(STATEMENT, prefix=r'\b', suffix=r'\b'), Keyword),
            (words(DECLARATION, prefix=r'\b', suffix=r'\b'), Keyword.Declaration),
            (words(LOGICAL, prefix=r'\b', suffix=r'\b'), Operator.Word),
            (words(CONSTANT, prefix=r'\b', suffix=r'\b'), Keyword.Constant),
            (words(BUILTINS, prefix=r'\b', suffix=r'\b'), Name.Builtin),
            (IDENT + r'(?=[ \t]*\()', Name.Function),
            (r'\(', Punctuation, 'paren'),
            (r'\[', Punctuation, 'bracket'),
            (r'\{', Punctuation, 'brace'),
            (r'->', Punctuation),
            (r'\|>|==|!=|<=|>=|\+=|-=|\*=|/=|\*\*|\+\+|[<>+\-*/%=]', Operator),
            (r'[,;:.]', Punctuation),
            (IDENT, Name),
            # Anything else starts no token (`!`, `&`, `'`, `#`, stray closers): the lexer reports it.
            (r'.', Error),
        ],
        'paren': [
            (r'\)', Punctuation, '#pop'),
            (r'(' + IDENT + r')([ \t]*)(:)', bygroups(Name.Attribute, Whitespace, Punctuation)),
            include('expression'),
        ],
        'bracket': [
            (r'\]', Punctuation, '#pop'),
            include('expression'),
        ],
        'brace': [
            (r'\}', Punctuation, '#pop'),
            include('statement'),
        ],
        'string': [
            (r'"', String.Double, '#pop'),
            # Strings end on their line (the lexer reports an unterminated string).
            (r'\n', Whitespace, '#pop'),
            (r'\\(?:[ntr0\\"{}]|u\{[0-9A-Fa-f]{1,6}\})', String.Escape),
            (r'\\.?', Error),
            (r'\{\}|\}', Error),
            (r'\{', String.Interpol, 'interpolation'),
            (r'[^"\\{}\n]+', String.Double),
        ],
        'interpolation': [
            (r'\}', String.Interpol, '#pop'),
            (r'\n', Whitespace, '#pop:2'),
            # The format spec: a `:` at the interpolation's own level, up to its `}`.
            (r':[<>^]?(?:[0-9][0-9_]*)?(?:\.[0-9][0-9_]*)?[fe%ds]?(?=\})', String.Interpol),
            (r':[^}"\n]*', Error),
            include('expression'),
        ],
        'import': [
            (r'[ \t]+', Whitespace),
            (r'as\b', Keyword.Namespace),
            (r'"', String.Double, 'string'),
            (r'\.', Punctuation),
            (IDENT, Name.Namespace),
            default('#pop'),
        ],
        # After `fn NAME`, `model NAME` or `block NAME`: parameter lists and `-> type`, up to `{`.
        'signature': [
            include('whitespace'),
            include('comments'),
            (r'\(', Punctuation, 'parameters'),
            (r'->', Punctuation, 'type'),
            default('#pop'),
        ],
        'parameters': [
            include('whitespace'),
            include('comments'),
            (r'\)', Punctuation, '#pop'),
            (r',', Punctuation),
            (r'(' + IDENT + r')([ \t]*)(:)', bygroups(Name.Variable, Whitespace, Punctuation), 'type'),
            (IDENT, Name.Variable),
            (r'=', Operator, 'default-value'),
            include('expression'),
        ],
        'default-value': [
            (r',', Punctuation, '#pop'),
            (r'\)', Punctuation, '#pop:2'),
            include('expression'),
        ],
        # A written type: NAME or NAME[type, …]; reserved words are names here (`co: model`).
        'type': [
            (r'[ \t]+', Whitespace),
            (r'(' + IDENT + r')([ \t]*)(\[)', bygroups(Keyword.Type, Whitespace, Punctuation),
             ('#pop', 'type-arguments')),
            (IDENT, Keyword.Type, '#pop'),
            default('#pop'),
        ],
        'type-arguments': [
            include('whitespace'),
            (r',', Punctuation),
            (r'\]', Punctuation, '#pop'),
            (r'(' + IDENT + r')([ \t]*)(\[)', bygroups(Keyword.Type, Whitespace, Punctuation), 'type-arguments'),
            (IDENT, Keyword.Type),
            default('#pop'),
        ],
        'train': _statement(('on', 'minimizing')),
        'distill': _statement(('on',)),
        'save': _statement(('to',)),
        'load': _statement(('from',)),
    }
