#pragma once
// Animated GIFs with Debian's libgif: every frame the same size, one shared palette, looping
// forever. Grayscale pictures keep their 256 levels; RGB ones are reduced to 3-3-2 bits per
// pixel (256 colours), plenty for filter pictures.
#include <string>
#include <vector>

#include "tensorboard/png_encode.hpp"

namespace expt {

// The GIF file's bytes; `delay_centiseconds` between frames. Throws Error when libgif refuses,
// or when the frames are empty or differ in size or channels.
std::string encode_gif(const std::vector<Image8>& frames, int delay_centiseconds);

}  // namespace expt
