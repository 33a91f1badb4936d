// An image folder loads as gray (1 channel) or RGB (3); other counts are refused up front.

let d = images("pets", channels: 4)   // expect error[E0504]: images: expected channels 1 (gray) or 3 (RGB), found 4
