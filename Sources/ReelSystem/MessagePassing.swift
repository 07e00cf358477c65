// MessagePassing: data-parallel training's one collective (a sum over every rank) on Open MPI,
// loaded at run time only when the process runs under mpirun.
//
// reel links no MPI: a build on a machine without Open MPI builds and trains on one process.
// Under `mpirun` (Open MPI sets OMPI_COMM_WORLD_SIZE in each rank's environment) the library
// libmpi.so.40 (Debian's libopenmpi3) is opened with dlopen, RTLD_GLOBAL so that its own plugins
// find its symbols. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM) are the addresses of
// its predefined objects (ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_op_sum), so dlsym finds
// them too; MPICH's integer handles are not supported (say so if that is what is installed).

// No Foundation here: the stream tools link ReelSystem statically without it.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum MessagePassingError: Error, CustomStringConvertible {
    case load(String)
    case call(String, Int32)

    public var description: String {
        switch self {
        case .load(let why): return why
        case .call(let name, let code): return "\(name) failed with MPI error \(code)"
        }
    }
}

/// The processes of one job: this one's rank and their count, and a sum over all of them.
public final class ProcessGroup: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private let library: UnsafeMutableRawPointer?
    private let allreduce: (@convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, UnsafeMutableRawPointer?,
                                            UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32)?
    private let finalize: (@convention(c) () -> Int32)?
    private let world: UnsafeMutableRawPointer?, float: UnsafeMutableRawPointer?, sum: UnsafeMutableRawPointer?
    private var finalized = false

    /// One process alone: rank 0 of 1; every sum is the identity.
    public static let single = ProcessGroup()

    private init() {
        rank = 0; size = 1; library = nil; allreduce = nil; finalize = nil; world = nil; float = nil; sum = nil
    }

    /// True when this process was started by Open MPI's mpirun (or mpiexec) with more than one rank.
    public static var launchedByMPI: Bool {
        (getenv("OMPI_COMM_WORLD_SIZE").flatMap { Int(String(cString: $0)) } ?? 1) > 1
    }

    /// The job this process belongs to: `single` unless started by mpirun with several ranks, then
    /// Open MPI initialised through dlopen. Throws, naming the library, when it cannot be loaded.
    public static func join(libraryName: String = "libmpi.so.40") throws(MessagePassingError) -> ProcessGroup {
        guard launchedByMPI else { return .single }
        return try ProcessGroup(libraryName: libraryName)
    }

    private init(libraryName: String) throws(MessagePassingError) {
        guard let lib = dlopen(libraryName, RTLD_NOW | RTLD_GLOBAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw .load("running under mpirun, but Open MPI's \(libraryName) could not be loaded (\(why)): install Debian's libopenmpi3")
        }
        func symbol(_ name: String) throws(MessagePassingError) -> UnsafeMutableRawPointer {
            guard let p = dlsym(lib, name) else { throw .load("\(libraryName) has no symbol \(name): reel supports Open MPI only") }
            return p
        }
        typealias InitFn = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32
        typealias CommIntFn = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> Int32
        let initFn = unsafeBitCast(try symbol("MPI_Init"), to: InitFn.self)
        let rankFn = unsafeBitCast(try symbol("MPI_Comm_rank"), to: CommIntFn.self)
        let sizeFn = unsafeBitCast(try symbol("MPI_Comm_size"), to: CommIntFn.self)
        allreduce = unsafeBitCast(try symbol("MPI_Allreduce"), to: (@convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32,
            UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32).self)
        finalize = unsafeBitCast(try symbol("MPI_Finalize"), to: (@convention(c) () -> Int32).self)
        world = try symbol("ompi_mpi_comm_world")
        float = try symbol("ompi_mpi_float")
        sum = try symbol("ompi_mpi_op_sum")
        library = lib
        var code = initFn(nil, nil)
        guard code == 0 else { throw .call("MPI_Init", code) }
        var r: Int32 = 0, s: Int32 = 0
        code = rankFn(world, &r)
        guard code == 0 else { throw .call("MPI_Comm_rank", code) }
        code = sizeFn(world, &s)
        guard code == 0 else { throw .call("MPI_Comm_size", code) }
        rank = Int(r); size = Int(s)
    }

    public var isRoot: Bool { rank == 0 }

    /// Replaces `values` on every rank with the sum over all ranks (elementwise, in fp32; the
    /// order of the additions is Open MPI's, the same on every rank).
    public func sumAll(_ values: UnsafeMutableBufferPointer<Float>) throws(MessagePassingError) {
        guard size > 1, let allreduce, values.count > 0 else { return }
        let send = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
        defer { send.deallocate() }
        _ = send.initialize(fromContentsOf: values)
        var offset = 0
        while offset < values.count {  // MPI counts are Int32
            let n = min(values.count - offset, Int(Int32.max))
            let code = allreduce(UnsafeRawPointer(send.baseAddress! + offset), UnsafeMutableRawPointer(values.baseAddress! + offset),
                                 Int32(n), float, sum, world)
            guard code == 0 else { throw .call("MPI_Allreduce", code) }
            offset += n
        }
    }

    /// Ends the job's use of MPI (once; the single group has nothing to end).
    public func finish() {
        guard !finalized, let finalize else { return }
        finalized = true
        _ = finalize()
    }
}
