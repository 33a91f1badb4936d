// field: `name: value` or `name { fields }`; reserved words are fine as names.
role r {
  data: d
  budget { memory: 512KiB }
}
// ast: (role r (field data d) (field budget (fields (field memory (size 524288 bytes)))))
