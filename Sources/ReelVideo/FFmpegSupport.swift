// Small helpers over the FFmpeg C API: error text, rationals, colour setup.

import CFFmpeg
import ReelImage

/// av_strerror's text for an FFmpeg error code.
func avErrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    reel_av_strerror(code, &buffer, buffer.count)
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    let text = String(decoding: bytes, as: UTF8.self)
    return text.isEmpty ? "FFmpeg error \(code)" : text
}

/// Classifies an FFmpeg error on opening `path`: missing or unreadable files
/// are cannotOpen, everything else malformed.
func openError(_ path: String, _ code: Int32, _ what: String) -> MediaError {
    let text = avErrorText(code)
    if code == reel_averror(ENOENT) || code == reel_averror(EACCES) || code == reel_averror(EISDIR) {
        return .cannotOpen(path: path, reason: text)
    }
    return .malformed(path: path, detail: "\(what): \(text)")
}

/// FFmpeg's process-wide log level is set once, to quiet: reel reports every
/// error itself with the file name.
let quietFFmpegLog: Void = reel_av_log_quiet()

/// Process-wide memory setting for tools that stream frames.
public enum FrameMemory {
    /// Frames are allocated and freed one after another; glibc's sliding mmap
    /// threshold would move them onto the heap, where they fragment it and
    /// memory grows with the length of the clip (measured: 218 MB for 200
    /// 640x480 frames, 41 MB with this). A fixed threshold keeps frame-sized
    /// buffers in their own mappings, returned to the system on free.
    /// Call once at program start.
    public static func keepFramesInOwnMappings() { reel_fix_mmap_threshold() }
}

extension FrameRate {
    /// The rate of an FFmpeg rational, approximated to ms precision when its
    /// terms are out of FrameRate's range; nil when it is not positive.
    init?(_ r: AVRational) {
        guard r.num > 0, r.den > 0 else { return nil }
        if let exact = try? FrameRate(Int(r.num), Int(r.den)) {
            self = exact
        } else if let approx = try? FrameRate(max(1, Int((Double(r.num) / Double(r.den) * 1000).rounded())), 1000) {
            self = approx
        } else {
            return nil
        }
    }

    var avRational: AVRational { AVRational(num: Int32(numerator), den: Int32(denominator)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
