// The exit status of each media and VAE error, shared by reel-encode and
// reel-decode (ReelCLI stays free of libpng and the engine, so other tools
// start fast; these two link both anyway).
import ReelCLI
import ReelImage
import ReelVAE

extension MediaError: ReportableError {
    public var exitStatus: Int32 {
        switch self {
        case .cannotOpen: ExitStatus.noInput
        case .malformed, .unsupported, .tooLarge: ExitStatus.dataError
        case .writeFailed: ExitStatus.ioError
        case .invalidArgument: ExitStatus.usage
        }
    }
}

extension VAEError: ReportableError {
    public var exitStatus: Int32 {
        if case .cannotOpen = self { return ExitStatus.noInput }
        return ExitStatus.dataError
    }
}

extension LatentStreamError: ReportableError {
    public var exitStatus: Int32 { ExitStatus.dataError }
}
