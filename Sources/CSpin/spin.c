// A C target needs one translation unit; the hint itself is inline in the header.
#include "dcl_spin.h"
