import Foundation

/// Readings from `/proc`: a process's CPU time (utime + stime) and resident set size.
enum Proc {
    static let clockTicksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// utime + stime of every thread of `pid`, in seconds (`/proc/PID/stat` fields 14 and 15).
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After "comm)" come the fields from 3 (state) on, so utime (14) is at offset 11.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / clockTicksPerSecond
    }

    /// VmRSS of `pid`, in KiB.
    static func residentKB(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    static var selfPID: Int32 { getpid() }
}

/// Monotonic nanoseconds (the same clock stamps a message when it is due and when its frame arrives).
@inline(__always)
func monotonicNanos() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
