// letter: ASCII letters and the underscore.
let Az_zA = __
// ast: (let Az_zA __)
