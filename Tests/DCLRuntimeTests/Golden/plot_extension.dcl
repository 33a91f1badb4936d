// The format comes from the path's extension: `.svg` or `.png`, nothing else.

plot([1, 2], to: "figure.pdf")  // expect error[E0503]: `plot` writes `.svg` or `.png` files, and `figure.pdf` has neither extension
