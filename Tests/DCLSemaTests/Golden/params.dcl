// Script parameters: `param NAME: TYPE = DEFAULT`, set with `dcl run --set NAME=VALUE`.
import "lib/params_lib.dcl"
// error in lib/params_lib.dcl:2: E0112 `param` belongs in the script being run, not in module

// Usable before its declaration (declarations are order-free), wherever an int is.
role device[devices] { }
param devices: int = 20
param lr: float = 1
param tag: string = "run"
param fast: bool = not false
param size: int = 2k
param wide: float = 1e-3 * (2 + 1)
let half = devices / 2
let rate: float = lr * 2

param count: int = 0.5                  // error: E0201 param `count` is declared int, but its default is float
param steps: int = 10 / 2               // error: E0201 param `steps` is declared int, but its default is float
// hint: an int param takes an integer default, e.g. `20`; use `div(a, b)` for whole-number division
param name: string = 3                  // error: E0201 param `name` is declared string, but its default is int
param twice: int = devices * 2          // error: E0219 the default of param `twice` must be a constant, but it reads the name `devices`
param width: int = len([1, 2])          // error: E0219 the default of param `width` must be a constant, but it reads a call
param title: string = "n = {devices}"   // error: E0219 the default of param `title` must be a constant, but it reads an interpolation
param xs: list[int] = [1]               // error: E0218 a param's type is `int`, `float`, `bool` or `string`, not `list[int]`
param m: model = 3                      // error: E0218 a param's type is `int`, `float`, `bool` or `string`, not `model`
param n: integer = 3                    // error: E0212 unknown type `integer`
param devices: int = 5                  // error: E0101 `devices` is defined twice in this file
let lr = 0.1                            // error: E0101 `lr` is defined twice in this file
fn f() {
  param inner: int = 1                  // error: E0034 `param` declarations are only allowed at the top level of a file
}
