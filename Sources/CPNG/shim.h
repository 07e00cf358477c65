// libpng for Swift. PNG_IMAGE_SIZE and friends are macros that do not import.
//
// libpng reports errors by longjmp, which must never cross Swift frames. The
// reel_png_read_* and reel_png_write functions below keep every setjmp/longjmp
// inside C: they return 0 on success, or -1 with a message in `error`.
#ifndef REEL_CPNG_SHIM_H
#define REEL_CPNG_SHIM_H
#include <png.h>
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static inline size_t reel_png_image_size(png_imagep image) { return PNG_IMAGE_SIZE(*image); }
static inline size_t reel_png_image_row_stride(png_imagep image) { return PNG_IMAGE_ROW_STRIDE(*image); }
static inline int reel_png_image_failed(png_imagep image) { return PNG_IMAGE_FAILED(*image); }

/// What a decoded PNG holds after reel's transforms: palette and tRNS expanded,
/// bit depths below 8 widened to 8; channels 1 (gray), 2 (gray+alpha), 3 (RGB)
/// or 4 (RGBA); depth 8 or 16. 16-bit samples come out in host byte order.
typedef struct {
    uint32_t width, height;
    int channels;
    int depth;
} reel_png_info;

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char *error;
    size_t error_size;
    char warning[160];
} reel_png_source;

static void reel_png_error_fn(png_structp png, png_const_charp message) {
    reel_png_source *src = (reel_png_source *)png_get_error_ptr(png);
    if (src && src->error && src->error_size) {
        if (src->warning[0]) {
            snprintf(src->error, src->error_size, "%s (%s)", message ? message : "libpng error", src->warning);
        } else {
            snprintf(src->error, src->error_size, "%s", message ? message : "libpng error");
        }
    }
    png_longjmp(png, 1);
}

/// Keeps the latest warning: libpng explains an "Invalid IHDR data" error in
/// the warnings before it.
static void reel_png_warning_fn(png_structp png, png_const_charp message) {
    reel_png_source *src = (reel_png_source *)png_get_error_ptr(png);
    if (src && message) snprintf(src->warning, sizeof src->warning, "%s", message);
}

static void reel_png_read_fn(png_structp png, png_bytep out, size_t length) {
    reel_png_source *src = (reel_png_source *)png_get_io_ptr(png);
    if (src->size - src->offset < length) {
        png_error(png, "file is truncated (unexpected end of data)");
    }
    memcpy(out, src->data + src->offset, length);
    src->offset += length;
}

/// Sets up transforms and reads the header. Called inside a setjmp frame.
static inline void reel_png_prepare(png_structp png, png_infop info, reel_png_info *out, uint32_t max_side) {
    png_set_user_limits(png, max_side, max_side);
    png_read_info(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) {
        uint16_t probe = 1;
        if (*(uint8_t *)&probe == 1) png_set_swap(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->channels = png_get_channels(png, info);
    out->depth = png_get_bit_depth(png, info);
}

/// Reads only the header (size, channels, depth after transforms).
static inline int reel_png_read_info(const uint8_t *data, size_t size, uint32_t max_side,
                                     reel_png_info *out, char *error, size_t error_size) {
    reel_png_source src = {data, size, 0, error, error_size, {0}};
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(error, error_size, "not a PNG file (bad signature)");
        return -1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, reel_png_error_fn, reel_png_warning_fn);
    if (!png) { snprintf(error, error_size, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); snprintf(error, error_size, "out of memory"); return -1; }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &src, reel_png_read_fn);
    reel_png_prepare(png, info, out, max_side);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

/// Decodes the whole image into `pixels`, interleaved rows of
/// width*channels*depth/8 bytes; `capacity` must be at least height times that.
static inline int reel_png_read_pixels(const uint8_t *data, size_t size, uint32_t max_side,
                                       uint8_t *pixels, size_t capacity,
                                       char *error, size_t error_size) {
    reel_png_source src = {data, size, 0, error, error_size, {0}};
    png_bytep *volatile rows = NULL;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(error, error_size, "not a PNG file (bad signature)");
        return -1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, reel_png_error_fn, reel_png_warning_fn);
    if (!png) { snprintf(error, error_size, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); snprintf(error, error_size, "out of memory"); return -1; }
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &src, reel_png_read_fn);
    reel_png_info header;
    reel_png_prepare(png, info, &header, max_side);
    size_t stride = (size_t)header.width * (size_t)header.channels * (size_t)(header.depth / 8);
    if (header.depth < 8 || stride * header.height > capacity) {
        png_error(png, "decoded image does not fit the buffer");
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (header.height ? header.height : 1));
    if (!rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < header.height; y++) rows[y] = pixels + stride * y;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

/// Copies the text of the first tEXt/iTXt chunk named `key` (before the image
/// data) into `out`; returns its length, 0 when absent, -1 on a broken file.
static inline long reel_png_read_text(const uint8_t *data, size_t size, const char *key, char *out, size_t out_size,
                                      char *error, size_t error_size) {
    reel_png_source src = {data, size, 0, error, error_size, {0}};
    volatile long found = 0;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(error, error_size, "not a PNG file (bad signature)");
        return -1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, reel_png_error_fn, reel_png_warning_fn);
    if (!png) { snprintf(error, error_size, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); snprintf(error, error_size, "out of memory"); return -1; }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &src, reel_png_read_fn);
    png_read_info(png, info);
    png_textp texts = NULL;
    int n = png_get_text(png, info, &texts, NULL);
    for (int i = 0; i < n; i++) {
        if (strcmp(texts[i].key, key) == 0) {
            size_t len = texts[i].compression > 0 ? texts[i].itxt_length : texts[i].text_length;
            snprintf(out, out_size, "%s", texts[i].text);
            found = (long)len;
            break;
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    return found;
}

/// Writes an interleaved image (channels 1-4, depth 8 or 16, 16-bit samples in
/// host order) to the file at `path`, which it creates or truncates. When
/// `text_key` is not NULL an uncompressed iTXt chunk (UTF-8) holds `text`.
static inline int reel_png_write(const char *path, uint32_t width, uint32_t height, int channels, int depth,
                                 const uint8_t *pixels, int compression, const char *text_key, const char *text,
                                 char *error, size_t error_size) {
    reel_png_source sink = {NULL, 0, 0, error, error_size, {0}};
    png_bytep *volatile rows = NULL;
    FILE *volatile file = NULL;
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16) || width == 0 || height == 0) {
        snprintf(error, error_size, "cannot write %ux%u with %d channels at %d bits", width, height, channels, depth);
        return -1;
    }
    FILE *opened = fopen(path, "wb");
    if (!opened) {
        snprintf(error, error_size, "cannot create the file: %s", strerror(errno));
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, reel_png_error_fn, reel_png_warning_fn);
    if (!png) { fclose(opened); snprintf(error, error_size, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { fclose(opened); png_destroy_write_struct(&png, NULL); snprintf(error, error_size, "out of memory"); return -1; }
    file = opened;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        if (file) fclose(file);
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, file);
    png_set_compression_level(png, compression);
    png_set_IHDR(png, info, width, height, depth, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (text_key && text) {
        png_text chunk;
        memset(&chunk, 0, sizeof chunk);
        chunk.compression = PNG_ITXT_COMPRESSION_NONE;
        chunk.key = (png_charp)text_key;
        chunk.text = (png_charp)text;
        chunk.itxt_length = strlen(text);
        chunk.lang = (png_charp)"";
        chunk.lang_key = (png_charp)"";
        png_set_text(png, info, &chunk, 1);
    }
    png_write_info(png, info);
    if (depth == 16) {
        uint16_t probe = 1;
        if (*(uint8_t *)&probe == 1) png_set_swap(png);
    }
    size_t stride = (size_t)width * (size_t)channels * (size_t)(depth / 8);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + stride * y;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    rows = NULL;
    FILE *f = file;
    file = NULL;
    png_destroy_write_struct(&png, &info);
    if (fflush(f) != 0 || ferror(f)) {
        fclose(f);
        snprintf(error, error_size, "write error");
        return -1;
    }
    if (fclose(f) != 0) {
        snprintf(error, error_size, "write error on close");
        return -1;
    }
    return 0;
}
#endif
