// field_sep: a newline, `;` or `,`.
role r { a: 1, b: 2; c: 3
  d: 4 }
// ast: (role r (field a 1) (field b 2) (field c 3) (field d 4))
