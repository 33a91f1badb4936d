// A list is saved as .csv or .npy; the extension decides, and other extensions are refused.

save [1, 2, 3] to "numbers.txt"  // expect error[E0503]: a list is saved as `.csv` or `.npy`, chosen by the path's extension
