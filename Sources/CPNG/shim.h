// libpng for Swift. PNG_IMAGE_SIZE and friends are macros that do not import.
#ifndef REEL_CPNG_SHIM_H
#define REEL_CPNG_SHIM_H
#include <png.h>
#include <stdlib.h>
static inline size_t reel_png_image_size(png_imagep image) { return PNG_IMAGE_SIZE(*image); }
static inline size_t reel_png_image_row_stride(png_imagep image) { return PNG_IMAGE_ROW_STRIDE(*image); }
static inline int reel_png_image_failed(png_imagep image) { return PNG_IMAGE_FAILED(*image); }
#endif
