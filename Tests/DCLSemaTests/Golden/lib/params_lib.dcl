// A module that declares a script parameter: only the script being run may (`--set` sets it).
param depth: int = 3
