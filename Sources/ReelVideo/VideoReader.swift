// Decoding any video libavformat opens (MP4, WebM, AVI, MOV, GIF, ...) to RGB
// frames, one at a time.
//
// Frames come out as 8-bit planar RGB PixelImages at the stream's coded size
// (a later change of size mid-stream is scaled back to it). YUV is converted
// with the colour matrix and range the stream declares (BT.601 limited range
// when it declares none), by swscale with accurate rounding.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFFmpeg
import ReelImage
import ReelSystem

/// A decoded frame and its time in seconds from the first frame.
public struct TimedFrame: Sendable {
    public var image: PixelImage
    public var time: Double
}

/// Reads the best video stream of a media file frame by frame.
public final class VideoReader {
    public let path: String
    public let width: Int
    public let height: Int
    /// The stream's average frame rate (its nominal rate when no average is known).
    public let frameRate: FrameRate
    /// The frame count the container states, if any (AVI and MP4 usually do).
    public let statedFrameCount: Int?
    /// The codec's name (h264, vp9, gif, ...).
    public let codecName: String

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var scaler: OpaquePointer?
    private let streamIndex: Int32
    private let timeBase: AVRational
    /// Timestamp of the first decoded frame: time 0 of the clip.
    private var origin: Int64?
    private var draining = false
    private var ended = false
    private var lastTime: Double?
    private var badPackets = 0
    /// Packets the demuxer read short (AV_PKT_FLAG_CORRUPT: the file ends inside them).
    private var shortPackets = 0
    /// The container's index places frame data past the end of the file (an MP4 cut short).
    private var indexPastEnd = false
    /// The error that ended reading before the end of the file, if one did.
    private var readFailure: Int32?
    /// Frames decoded so far.
    public private(set) var decodedFrames = 0

    /// Once every frame was read: why the file ended early, if it did (a truncated or damaged
    /// file still gives the frames before the damage, as players show them), else nil.
    public var endedEarly: String? {
        guard ended else { return nil }
        var why: [String] = []
        if let stated = statedFrameCount, decodedFrames < stated { why.append("\(decodedFrames) of the \(stated) frames it states were read") }
        if let rc = readFailure { why.append("reading stopped at an error (\(avErrorText(rc)))") }
        if shortPackets > 0 || indexPastEnd { why.append("the file ends inside frame data") }
        if badPackets > 0 { why.append("\(badPackets) damaged packet\(badPackets == 1 ? " was" : "s were") skipped") }
        if codecName == "gif" && !Self.endsWithGIFTrailer(path) { why.append("the GIF has no trailer") }
        if isISOMedia, let box = Self.boxCutShort(path) { why.append("the file ends inside its \(box) box") }
        guard !why.isEmpty else { return nil }
        return "\(path) ended early after \(decodedFrames) frame\(decodedFrames == 1 ? "" : "s"): " + why.joined(separator: "; ") + " (the file is truncated or damaged)"
    }

    /// MP4, MOV, 3GP: ISO media, whose top-level boxes say their sizes.
    private var isISOMedia: Bool {
        guard let name = format?.pointee.iformat?.pointee.name else { return false }
        return String(cString: name).split(separator: ",").contains("mp4")
    }

    /// The type of the top-level ISO media box (ftyp, mdat, moov, ...) that runs past the end of
    /// the file, if one does: a file cut short, whose demuxer may read on without a word.
    static func boxCutShort(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let size = Int64(lseek(fd, 0, SEEK_END))
        var at: Int64 = 0
        var head = [UInt8](repeating: 0, count: 16)
        while at + 8 <= size {
            guard pread(fd, &head, 16, off_t(at)) >= 8 else { return nil }
            var length = Int64(head[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let type = String(decoding: head[4..<8].map { (32...126).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            if length == 1 {   // a 64-bit size follows the type
                guard at + 16 <= size else { return type }
                length = Int64(bitPattern: head[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            } else if length == 0 {
                return nil     // runs to the end of the file
            }
            guard length >= 8 else { return nil }   // not ISO media boxes: the demuxer judged the file
            if at + length > size { return type }
            at += length
        }
        return nil
    }

    /// Whether the file's last byte is a GIF trailer (0x3B): a GIF cut short lacks it.
    static func endsWithGIFTrailer(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        var last: UInt8 = 0
        guard size > 0, pread(fd, &last, 1, size - 1) == 1 else { return true }
        return last == 0x3B
    }

    public init(path: String) throws {
        _ = quietFFmpegLog
        self.path = path
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        var options: OpaquePointer?
        av_dict_set(&options, "protocol_whitelist", "file", 0)
        // "file:" keeps names with colons from being taken as protocols.
        var rc = avformat_open_input(&ctx, "file:" + path, nil, &options)
        av_dict_free(&options)
        guard rc >= 0, let fmt = ctx else { throw openError(path, rc, "cannot read the container") }
        var cc: UnsafeMutablePointer<AVCodecContext>?
        do {
            rc = avformat_find_stream_info(fmt, nil)
            guard rc >= 0 else { throw openError(path, rc, "cannot read the stream information") }
            var decoder: UnsafePointer<AVCodec>?
            rc = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
            guard rc >= 0, let dec = decoder else {
                if rc == reel_averror_stream_not_found() { throw MediaError.malformed(path: path, detail: "the file holds no video stream") }
                if rc == reel_averror_decoder_not_found() {
                    throw MediaError.unsupported(path: path, detail: "this FFmpeg has no decoder for its video stream")
                }
                throw MediaError.malformed(path: path, detail: "no decodable video stream: \(avErrorText(rc))")
            }
            streamIndex = rc
            guard let stream = fmt.pointee.streams[Int(rc)], let par = stream.pointee.codecpar else {
                throw MediaError.malformed(path: path, detail: "no video stream")
            }
            let w = Int(par.pointee.width), h = Int(par.pointee.height)
            guard w >= 1, h >= 1 else { throw MediaError.malformed(path: path, detail: "video has no size (\(w)x\(h))") }
            guard w <= PixelImage.maxSide, h <= PixelImage.maxSide else {
                throw MediaError.tooLarge(path: path, detail: "video is \(w)x\(h); sides must be at most \(PixelImage.maxSide)")
            }
            width = w
            height = h
            timeBase = stream.pointee.time_base
            frameRate = try FrameRate(stream.pointee.avg_frame_rate) ?? FrameRate(stream.pointee.r_frame_rate)
                ?? (try FrameRate(25))
            statedFrameCount = stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil
            codecName = String(cString: dec.pointee.name)
            cc = avcodec_alloc_context3(dec)
            guard let cc else { throw MediaError.malformed(path: path, detail: "out of memory") }
            rc = avcodec_parameters_to_context(cc, par)
            guard rc >= 0 else { throw openError(path, rc, "bad codec parameters") }
            cc.pointee.pkt_timebase = stream.pointee.time_base
            cc.pointee.thread_count = 2
            rc = avcodec_open2(cc, dec, nil)
            guard rc >= 0 else { throw openError(path, rc, "cannot open the \(codecName) decoder") }
        } catch {
            if cc != nil { avcodec_free_context(&cc) }
            avformat_close_input(&ctx)
            throw error
        }
        format = fmt
        codec = cc
        if let stream = fmt.pointee.streams[Int(streamIndex)], let pb = fmt.pointee.pb {
            let n = avformat_index_get_entries_count(stream)
            if n > 0, let last = avformat_index_get_entry(stream, n - 1) {
                let fileSize = avio_size(pb)
                indexPastEnd = fileSize > 0 && last.pointee.pos + Int64(last.pointee.size) > fileSize
            }
        }
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        guard packet != nil, frame != nil else { throw MediaError.malformed(path: path, detail: "out of memory") }
    }

    deinit { release() }

    private func release() {
        if scaler != nil { sws_freeContext(scaler); scaler = nil }
        if frame != nil { av_frame_free(&frame) }
        if packet != nil { av_packet_free(&packet) }
        if codec != nil { avcodec_free_context(&codec) }
        if format != nil { avformat_close_input(&format) }
    }

    /// The next frame in decode order, or nil at the end of the stream.
    public func nextFrame() throws -> TimedFrame? {
        guard let (decoded, time) = try nextDecoded() else { return nil }
        return TimedFrame(image: try decoded.image(), time: time)
    }

    /// A decoded frame whose conversion to RGB waits until it is asked for, so
    /// frames that frame selection drops are never converted.
    final class DecodedFrame {
        private var frame: UnsafeMutablePointer<AVFrame>?
        private var converted: PixelImage?
        private unowned let reader: VideoReader

        init(frame: UnsafeMutablePointer<AVFrame>, reader: VideoReader) {
            self.frame = frame
            self.reader = reader
        }

        func image() throws -> PixelImage {
            if let converted { return converted }
            guard let f = frame else { throw MediaError.malformed(path: reader.path, detail: "frame data missing") }
            let img = try reader.convert(f)
            converted = img
            av_frame_free(&frame)
            return img
        }

        deinit { if frame != nil { av_frame_free(&frame) } }
    }

    /// The next decoded frame (not yet converted) and its time, or nil at the end.
    func nextDecoded() throws -> (DecodedFrame, Double)? {
        guard !ended, let cc = codec, let fmt = format, let pkt = packet, let frm = frame else { return nil }
        while true {
            var rc = avcodec_receive_frame(cc, frm)
            if rc >= 0 {
                decodedFrames += 1
                let time = timestamp(frm)
                guard let held = av_frame_alloc() else {
                    av_frame_unref(frm)
                    throw MediaError.malformed(path: path, detail: "out of memory")
                }
                av_frame_move_ref(held, frm)
                return (DecodedFrame(frame: held, reader: self), time)
            }
            if rc == reel_averror_eof() {
                ended = true
                return nil
            }
            if rc != reel_averror_eagain() {
                throw MediaError.malformed(path: path, detail: "cannot decode frame \(decodedFrames): \(avErrorText(rc))")
            }
            if draining {
                ended = true
                return nil
            }
            rc = av_read_frame(fmt, pkt)
            if rc < 0 {
                if rc != reel_averror_eof() && decodedFrames == 0 {
                    throw MediaError.malformed(path: path, detail: "cannot read the first packet: \(avErrorText(rc))")
                }
                if rc != reel_averror_eof() { readFailure = rc }
                // End of file (or a truncated tail): flush the decoder.
                avcodec_send_packet(cc, nil)
                draining = true
                continue
            }
            defer { av_packet_unref(pkt) }
            guard pkt.pointee.stream_index == streamIndex else { continue }
            if pkt.pointee.flags & 2 != 0 { shortPackets += 1 }   // AV_PKT_FLAG_CORRUPT
            rc = avcodec_send_packet(cc, pkt)
            if rc < 0 && rc != reel_averror_eagain() {
                // A damaged packet: players skip it; a file of nothing but damage is an error.
                badPackets += 1
                if decodedFrames == 0 && badPackets >= 16 {
                    throw MediaError.malformed(path: path, detail: "cannot decode \(codecName) data: \(avErrorText(rc))")
                }
            }
        }
    }

    private func timestamp(_ frm: UnsafeMutablePointer<AVFrame>) -> Double {
        let ts = frm.pointee.best_effort_timestamp
        var t: Double
        if ts == reel_av_nopts_value() {
            t = lastTime.map { $0 + frameRate.time(ofFrame: 1) } ?? 0
        } else {
            // Times count from the first frame (some files start at 1, or after their audio).
            let zero = origin ?? ts
            origin = zero
            t = Double(ts - zero) * Double(timeBase.num) / Double(timeBase.den)
        }
        if let last = lastTime, t <= last { t = last + frameRate.time(ofFrame: 1) }
        lastTime = t
        return t
    }

    /// Converts a decoded frame to planar RGB through swscale's GBRP output.
    fileprivate func convert(_ frm: UnsafeMutablePointer<AVFrame>) throws -> PixelImage {
        let fw = frm.pointee.width, fh = frm.pointee.height
        let srcFormat = AVPixelFormat(rawValue: frm.pointee.format)
        guard fw > 0, fh > 0, fw <= Int32(PixelImage.maxSide), fh <= Int32(PixelImage.maxSide) else {
            throw MediaError.malformed(path: path, detail: "frame \(decodedFrames) has size \(fw)x\(fh)")
        }
        scaler = sws_getCachedContext(scaler, fw, fh, srcFormat, Int32(width), Int32(height), AV_PIX_FMT_GBRP,
                                      reel_sws_flags_accurate(), nil, nil, nil)
        guard let sws = scaler else {
            throw MediaError.unsupported(path: path, detail: "cannot convert pixel format \(pixelFormatName(srcFormat)) to RGB")
        }
        if reel_pix_fmt_is_yuv(srcFormat) != 0 {
            let space = Int32(bitPattern: frm.pointee.colorspace.rawValue)
            let matrix = [1, 4, 5, 6, 7, 9].contains(space) ? space : SWS_CS_DEFAULT
            let full: Int32 = (frm.pointee.color_range == AVCOL_RANGE_JPEG || reel_pix_fmt_is_full_range(srcFormat) != 0) ? 1 : 0
            sws_setColorspaceDetails(sws, sws_getCoefficients(matrix), full, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16)
        }
        let plane = width * height
        // swscale may touch a little past each row; a padded scratch buffer keeps that inside memory we own.
        let pad = 64
        var scratch = [UInt8](repeating: 0, count: 3 * (plane + pad))  // (C,H,W) with slack per plane
        let rc: Int32 = scratch.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return -1 }
            // GBRP's planes are G, B, R; aim them at our R, G, B planes.
            var dst: [UnsafeMutablePointer<UInt8>?] = [base + (plane + pad), base + 2 * (plane + pad), base, nil]
            var dstStride: [Int32] = [Int32(width), Int32(width), Int32(width), 0]
            return withUnsafePointer(to: &frm.pointee.data) { dataTuple in
                dataTuple.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                    withUnsafePointer(to: &frm.pointee.linesize) { strideTuple in
                        strideTuple.withMemoryRebound(to: Int32.self, capacity: 8) { srcStride in
                            sws_scale(sws, src, srcStride, 0, fh, &dst, &dstStride)
                        }
                    }
                }
            }
        }
        guard rc > 0 else { throw MediaError.malformed(path: path, detail: "cannot convert frame \(decodedFrames) to RGB") }
        var planar = [UInt8](repeating: 0, count: 3 * plane)
        for c in 0..<3 {
            planar.withUnsafeMutableBufferPointer { p in
                scratch.withUnsafeBufferPointer { s in
                    guard let pb = p.baseAddress, let sb = s.baseAddress else { return }
                    (pb + c * plane).update(from: sb + c * (plane + pad), count: plane)
                }
            }
        }
        return try PixelImage(width: width, height: height, channels: 3, samples: .u8(planar))
    }

    /// Decodes with `selection` applied (start time, frame limit, output rate),
    /// calling `body` for each output frame; stops reading once the limit is
    /// reached. Returns the number of output frames. The start is reached by
    /// decoding from the beginning, so it is exact for every container; frames
    /// that are not chosen are decoded but never converted to RGB.
    @discardableResult
    public func forEachFrame(_ selection: FrameSelection, _ body: (PixelImage) throws -> Void) throws -> Int {
        var resampler = FrameResampler<DecodedFrame>(selection: selection, sourceRate: frameRate)
        while !resampler.isFinished, let (decoded, time) = try nextDecoded() {
            for out in resampler.push(decoded, time: time) { try body(try out.image()) }
        }
        for out in resampler.finish() { try body(try out.image()) }
        if let note = endedEarly { MediaNotes.note(note) }
        return resampler.emitted
    }
}

func pixelFormatName(_ f: AVPixelFormat) -> String {
    guard let name = av_get_pix_fmt_name(f) else { return "format \(f.rawValue)" }
    return String(cString: name)
}

/// Notes on media that was read but not whole (a truncated video): the tool says them on
/// standard error, prefixed with its name, and goes on with the frames that were read.
public enum MediaNotes {
    nonisolated(unsafe) public static var handler: (String) -> Void = { line in
        try? FileIO.writeAll(2, Array(("warning: " + line + "\n").utf8))
    }
    static func note(_ line: String) { handler(line) }
}
