// A relative path that climbs out of the working directory is refused before anything is written.

plot([1, 2], to: "../../escape.svg")  // expect error[E0505]: the figure `../../escape.svg` would be written outside the working directory; refusing
