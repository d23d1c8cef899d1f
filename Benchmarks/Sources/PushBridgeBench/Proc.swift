import Foundation

/// Readings from `/proc`: a process's CPU time (utime + stime) and resident set size.
enum Proc {
    static let clockTicksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// utime + stime of every thread of `pid`, in seconds (`/proc/PID/stat` fields 14 and 15).
    static func cpuSeconds(pid: Int32) -> Double? {
        // After "comm)" come the fields from 3 (state) on, so utime (14) is at offset 11.
        guard let fields = statFields(pid: pid), fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / clockTicksPerSecond
    }

    /// utime + stime of each process, in order; nil if any of them is gone.
    static func cpuSeconds(pids: [Int32]) -> [Double]? {
        guard !pids.isEmpty else { return nil }
        var seconds: [Double] = []
        for pid in pids {
            guard let value = cpuSeconds(pid: pid) else { return nil }
            seconds.append(value)
        }
        return seconds
    }

    /// CPU of a process tree one level deep (PostgreSQL's postmaster and its backends and workers): the root's
    /// utime + stime + cutime + cstime (which holds the children it has reaped) and each live child's utime + stime.
    static func treeCPUSeconds(root: Int32) -> Double? {
        guard let rootFields = statFields(pid: root), rootFields.count > 14,
            let user = Double(rootFields[11]), let system = Double(rootFields[12]),
            let childrenUser = Double(rootFields[13]), let childrenSystem = Double(rootFields[14])
        else { return nil }
        var ticks = user + system + childrenUser + childrenSystem
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), pid != root, let fields = statFields(pid: pid), fields.count > 12,
                fields[1] == Substring(String(root)), let childUser = Double(fields[11]), let childSystem = Double(fields[12])
            else { continue }
            ticks += childUser + childSystem
        }
        return ticks / clockTicksPerSecond
    }

    /// The fields of `/proc/PID/stat` after "(comm)": index 0 is field 3 (state), 1 is the parent's PID.
    private static func statFields(pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
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
