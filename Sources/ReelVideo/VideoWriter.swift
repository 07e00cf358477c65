// Encoding RGB frames to MP4 (H.264, libx264), WebM (VP9, libvpx-vp9) or GIF,
// one frame at a time, written atomically: the file is built under a hidden
// temporary name in the destination's directory and renamed into place by
// finish(); on failure or abort the temporary file is removed.
//
// MP4 and WebM store 4:2:0 YUV, BT.601 limited range (tagged so), which the
// reader converts back with the same matrix. H.264 4:2:0 needs even sides.
// GIF frames get their own 256-colour median-cut palette (PaletteQuantizer);
// GIF delays are in 1/100 s, so rates whose frame time is not a whole number
// of centiseconds are played at the nearest one (the muxer keeps the total).

import CFFmpeg
import ReelImage

/// Output containers and their codecs.
public enum VideoContainer: String, Sendable, CaseIterable {
    case mp4, webm, gif

    /// The container for a file name's extension (.mp4, .m4v, .mov → mp4; .webm; .gif).
    public init?(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".mp4") || lower.hasSuffix(".m4v") || lower.hasSuffix(".mov") { self = .mp4 }
        else if lower.hasSuffix(".webm") { self = .webm }
        else if lower.hasSuffix(".gif") { self = .gif }
        else { return nil }
    }

    var muxerName: String { self == .mp4 ? "mp4" : rawValue }
    var encoderName: String {
        switch self {
        case .mp4: "libx264"
        case .webm: "libvpx-vp9"
        case .gif: "gif"
        }
    }
    /// Default constant-quality setting (x264 and VP9 CRF; lower is better).
    public var defaultQuality: Int { self == .mp4 ? 18 : 24 }
}

/// Writes a video file frame by frame.
public final class VideoWriter {
    public let path: String
    public let container: VideoContainer
    public let width: Int
    public let height: Int
    public let frameRate: FrameRate
    private let tempPath: String
    private var output: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var scaler: OpaquePointer?
    private var done = false
    private var headerWritten = false
    /// Frames appended so far.
    public private(set) var frameCount = 0

    /// Opens an encoder for width×height frames at `frameRate`. `quality` is
    /// the CRF for MP4 (0-51, default 18) and WebM (0-63, default 24); GIF ignores it.
    /// `comment` goes into the container's comment tag (MP4, WebM).
    public init(path: String, container: VideoContainer, width: Int, height: Int,
                frameRate: FrameRate, quality: Int? = nil, comment: String? = nil) throws {
        _ = quietFFmpegLog
        self.path = path
        self.container = container
        self.width = width
        self.height = height
        self.frameRate = frameRate
        tempPath = FileAccess.temporaryPath(beside: path)
        guard width >= 1, height >= 1, width <= PixelImage.maxSide, height <= PixelImage.maxSide else {
            throw MediaError.tooLarge(path: path, detail: "frames are \(width)x\(height); sides must be 1 to \(PixelImage.maxSide)")
        }
        if container == .mp4 && (width % 2 != 0 || height % 2 != 0) {
            throw MediaError.invalidArgument("\(path): H.264 in MP4 needs even width and height, but frames are \(width)x\(height) (encode it at an even size with reel-encode --size, or write WebM, GIF or PNG)")
        }
        if let q = quality, !(0...(container == .mp4 ? 51 : 63)).contains(q) {
            throw MediaError.invalidArgument("quality \(q) is out of range for \(container.rawValue); expected 0 to \(container == .mp4 ? 51 : 63)")
        }
        do {
            try open(quality: quality ?? container.defaultQuality, comment: comment)
        } catch {
            close()
            FileAccess.remove(tempPath)
            done = true
            throw error
        }
    }

    deinit { abort() }

    private func fail(_ what: String, _ rc: Int32) -> MediaError {
        .writeFailed(path: path, reason: "\(what): \(avErrorText(rc))")
    }

    private func open(quality: Int, comment: String?) throws {
        var oc: UnsafeMutablePointer<AVFormatContext>?
        var rc = avformat_alloc_output_context2(&oc, nil, container.muxerName, tempPath)
        guard rc >= 0, let oc else { throw fail("cannot set up the \(container.muxerName) muxer", rc) }
        output = oc
        if let comment { av_dict_set(&oc.pointee.metadata, "comment", comment, 0) }
        guard let enc = avcodec_find_encoder_by_name(container.encoderName) else {
            throw MediaError.unsupported(path: path, detail: "this FFmpeg has no \(container.encoderName) encoder, needed for \(container.rawValue)")
        }
        guard let st = avformat_new_stream(oc, nil), let cc = avcodec_alloc_context3(enc) else {
            throw MediaError.writeFailed(path: path, reason: "out of memory")
        }
        stream = st
        codec = cc
        cc.pointee.width = Int32(width)
        cc.pointee.height = Int32(height)
        cc.pointee.time_base = AVRational(num: Int32(frameRate.denominator), den: Int32(frameRate.numerator))
        cc.pointee.framerate = frameRate.avRational
        cc.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        switch container {
        case .gif:
            cc.pointee.pix_fmt = AV_PIX_FMT_PAL8
        case .mp4, .webm:
            cc.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            cc.pointee.color_range = AVCOL_RANGE_MPEG
            cc.pointee.colorspace = AVCOL_SPC_SMPTE170M
            cc.pointee.color_primaries = AVCOL_PRI_SMPTE170M
            cc.pointee.color_trc = AVCOL_TRC_SMPTE170M
            cc.pointee.thread_count = 2
            cc.pointee.gop_size = max(1, min(250, 10 * Int32(frameRate.value.rounded())))
        }
        if (oc.pointee.oformat.pointee.flags & reel_avfmt_globalheader()) != 0 {
            cc.pointee.flags |= Int32(reel_av_codec_flag_global_header())
        }
        if let priv = cc.pointee.priv_data {
            switch container {
            case .mp4:
                av_opt_set(priv, "crf", "\(quality)", 0)
                av_opt_set(priv, "preset", "medium", 0)
            case .webm:
                cc.pointee.bit_rate = 0
                av_opt_set(priv, "crf", "\(quality)", 0)
                av_opt_set(priv, "deadline", "good", 0)
                av_opt_set(priv, "cpu-used", "4", 0)
                av_opt_set(priv, "row-mt", "1", 0)
            case .gif:
                break
            }
        }
        rc = avcodec_open2(cc, enc, nil)
        // The encoder refusing the clip's own size or rate is about the data (65), not I/O.
        guard rc >= 0 else {
            throw MediaError.unsupported(path: path, detail: "the \(container.encoderName) encoder does not take \(width)x\(height) frames at \(frameRate) fps: \(avErrorText(rc))")
        }
        rc = avcodec_parameters_from_context(st.pointee.codecpar, cc)
        guard rc >= 0 else { throw fail("cannot set the stream parameters", rc) }
        st.pointee.time_base = cc.pointee.time_base
        st.pointee.avg_frame_rate = frameRate.avRational
        st.pointee.r_frame_rate = frameRate.avRational
        if (oc.pointee.oformat.pointee.flags & reel_avfmt_nofile()) == 0 {
            rc = avio_open(&oc.pointee.pb, "file:" + tempPath, reel_avio_flag_write())
            guard rc >= 0 else { throw fail("cannot create the file", rc) }
        }
        rc = avformat_write_header(oc, nil)
        guard rc >= 0 else { throw fail("cannot write the \(container.rawValue) header", rc) }
        headerWritten = true
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let frm = frame, packet != nil else { throw MediaError.writeFailed(path: path, reason: "out of memory") }
        frm.pointee.format = cc.pointee.pix_fmt.rawValue
        frm.pointee.width = Int32(width)
        frm.pointee.height = Int32(height)
        rc = av_frame_get_buffer(frm, 0)
        guard rc >= 0 else { throw fail("cannot allocate a frame", rc) }
    }

    /// Encodes one frame: width×height, 1 to 4 channels, u8 or u16 (converted
    /// to 8-bit RGB; alpha composited over black).
    public func append(_ image: PixelImage) throws {
        guard !done, let cc = codec, let frm = frame else {
            throw MediaError.writeFailed(path: path, reason: "the writer is already finished")
        }
        guard image.width == width, image.height == height else {
            throw MediaError.invalidArgument("\(path): frame \(frameCount) is \(image.width)x\(image.height), but the video is \(width)x\(height)")
        }
        var rgb = image.channels == 3 ? image : try image.converted(channels: 3)
        if rgb.depth != .u8 { rgb = rgb.converted(to: .u8) }
        var rc = av_frame_make_writable(frm)
        guard rc >= 0 else { throw fail("cannot reuse the frame buffer", rc) }
        if container == .gif {
            fillPalettized(rgb, frm)
        } else {
            try fillYUV(rgb, frm)
        }
        frm.pointee.pts = Int64(frameCount)
        rc = avcodec_send_frame(cc, frm)
        guard rc >= 0 else { throw fail("cannot encode frame \(frameCount)", rc) }
        frameCount += 1
        try drain()
    }

    private func fillPalettized(_ rgb: PixelImage, _ frm: UnsafeMutablePointer<AVFrame>) {
        let q = PaletteQuantizer.quantize(rgb)
        guard let indices = frm.pointee.data.0, let pal = frm.pointee.data.1 else { return }
        let stride = Int(frm.pointee.linesize.0)
        q.indices.withUnsafeBufferPointer { idx in
            for y in 0..<height {
                guard let src = idx.baseAddress else { return }
                (indices + y * stride).update(from: src + y * width, count: width)
            }
        }
        pal.withMemoryRebound(to: UInt32.self, capacity: 256) { p in
            for i in 0..<256 {
                let c = i < q.palette.count ? q.palette[i] : (0, 0, 0)
                p[i] = 0xFF00_0000 | UInt32(c.0) << 16 | UInt32(c.1) << 8 | UInt32(c.2)
            }
        }
    }

    private func fillYUV(_ rgb: PixelImage, _ frm: UnsafeMutablePointer<AVFrame>) throws {
        guard case .u8(let s) = rgb.samples else { return }
        scaler = sws_getCachedContext(scaler, Int32(width), Int32(height), AV_PIX_FMT_GBRP, Int32(width), Int32(height),
                                      AV_PIX_FMT_YUV420P, reel_sws_flags_accurate(), nil, nil, nil)
        guard let sws = scaler else { throw MediaError.writeFailed(path: path, reason: "cannot set up RGB to YUV conversion") }
        sws_setColorspaceDetails(sws, sws_getCoefficients(SWS_CS_DEFAULT), 1, sws_getCoefficients(SWS_CS_ITU601), 0, 0, 1 << 16, 1 << 16)
        let plane = width * height
        let pad = 64
        // Padded copy so swscale's reads past row ends stay in our memory.
        var padded = [UInt8](repeating: 0, count: 3 * (plane + pad))
        padded.withUnsafeMutableBufferPointer { p in
            s.withUnsafeBufferPointer { src in
                guard let pb = p.baseAddress, let sb = src.baseAddress else { return }
                for c in 0..<3 { (pb + c * (plane + pad)).update(from: sb + c * plane, count: plane) }
            }
        }
        let rc: Int32 = padded.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return -1 }
            // GBRP: G, B, R planes.
            let src: [UnsafePointer<UInt8>?] = [base + (plane + pad), base + 2 * (plane + pad), base, nil]
            let srcStride: [Int32] = [Int32(width), Int32(width), Int32(width), 0]
            return withUnsafePointer(to: &frm.pointee.data) { dataTuple in
                dataTuple.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                    withUnsafePointer(to: &frm.pointee.linesize) { strideTuple in
                        strideTuple.withMemoryRebound(to: Int32.self, capacity: 8) { dstStride in
                            sws_scale(sws, src, srcStride, 0, Int32(height), dst, dstStride)
                        }
                    }
                }
            }
        }
        guard rc > 0 else { throw MediaError.writeFailed(path: path, reason: "cannot convert frame \(frameCount) to YUV") }
    }

    private func drain() throws {
        guard let cc = codec, let oc = output, let pkt = packet, let st = stream else { return }
        while true {
            var rc = avcodec_receive_packet(cc, pkt)
            if rc == reel_averror_eagain() || rc == reel_averror_eof() { return }
            guard rc >= 0 else { throw fail("cannot encode", rc) }
            av_packet_rescale_ts(pkt, cc.pointee.time_base, st.pointee.time_base)
            pkt.pointee.stream_index = st.pointee.index
            rc = av_interleaved_write_frame(oc, pkt)
            guard rc >= 0 else { throw fail("cannot write a packet", rc) }
        }
    }

    /// Flushes the encoder, writes the trailer and renames the file into place.
    public func finish() throws {
        guard !done, let cc = codec, let oc = output else {
            throw MediaError.writeFailed(path: path, reason: "the writer is already finished")
        }
        do {
            guard frameCount > 0 else { throw MediaError.invalidArgument("\(path): no frames to write") }
            var rc = avcodec_send_frame(cc, nil)
            guard rc >= 0 else { throw fail("cannot flush the encoder", rc) }
            try drain()
            rc = av_write_trailer(oc)
            guard rc >= 0 else { throw fail("cannot write the \(container.rawValue) trailer", rc) }
            if oc.pointee.pb != nil {
                avio_flush(oc.pointee.pb)
                rc = oc.pointee.pb.pointee.error
                guard rc >= 0 else { throw fail("write error", rc) }
            }
            close()
            try FileAccess.move(tempPath, to: path)
            done = true
        } catch {
            abort()
            throw error
        }
    }

    /// Drops everything written; the destination is left as it was.
    public func abort() {
        guard !done else { return }
        done = true
        close()
        FileAccess.remove(tempPath)
    }

    private func close() {
        if scaler != nil { sws_freeContext(scaler); scaler = nil }
        if frame != nil { av_frame_free(&frame) }
        if packet != nil { av_packet_free(&packet) }
        if codec != nil { avcodec_free_context(&codec) }
        if let oc = output {
            if oc.pointee.pb != nil && (oc.pointee.oformat.pointee.flags & reel_avfmt_nofile()) == 0 {
                avio_closep(&oc.pointee.pb)
            }
            avformat_free_context(oc)
            output = nil
        }
    }
}
