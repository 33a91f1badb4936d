// GNU readline (Debian package libreadline-dev). The REPL's SIGINT handler is not here: it lives
// in its own C target (Sources/CInterrupt), so its counter has exactly one definition.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
