"""Support for Tests/python/test_grammars.py: the vocabulary read from Grammar/dcl.ebnf, a
reference lexer following Sources/DCLSyntax, the expected classification of each token, and a
small TextMate tokenizer."""
