// GNU readline (Debian package libreadline-dev).
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
