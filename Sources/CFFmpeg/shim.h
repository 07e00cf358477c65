// FFmpeg for Swift. AVERROR, AV_NOPTS_VALUE and av_err2str are macros that do not import.
#ifndef REEL_CFFMPEG_SHIM_H
#define REEL_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <libavutil/pixdesc.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static inline int reel_averror(int e) { return AVERROR(e); }
static inline int reel_averror_eof(void) { return AVERROR_EOF; }
static inline int reel_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int reel_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int reel_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t reel_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline void reel_av_strerror(int e, char *buffer, size_t size) { av_strerror(e, buffer, size); }
static inline int reel_av_codec_flag_global_header(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }
static inline int reel_avfmt_globalheader(void) { return AVFMT_GLOBALHEADER; }
static inline int reel_avfmt_nofile(void) { return AVFMT_NOFILE; }
static inline int reel_avio_flag_write(void) { return AVIO_FLAG_WRITE; }
static inline int reel_sws_flags_accurate(void) { return SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP; }
static inline int reel_pix_fmt_is_yuv(enum AVPixelFormat f) {
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f);
    return d && !(d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) && d->nb_components >= 3;
}
static inline int reel_pix_fmt_is_full_range(enum AVPixelFormat f) {
    return f == AV_PIX_FMT_YUVJ420P || f == AV_PIX_FMT_YUVJ422P || f == AV_PIX_FMT_YUVJ444P || f == AV_PIX_FMT_YUVJ440P;
}
/// Fixes glibc's mmap threshold at 128 KiB (no-op elsewhere). See
/// FrameMemory.keepFramesInOwnMappings() in ReelVideo.
static inline void reel_fix_mmap_threshold(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}
/// Quiets FFmpeg's own logging: reel reports errors itself, with file names.
static inline void reel_av_log_quiet(void) { av_log_set_level(AV_LOG_QUIET); }
#endif
