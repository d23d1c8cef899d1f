import Foundation

/// How many CPUs this process may run on, from the kernel's affinity mask (`taskset`, cpusets, systemd's
/// `CPUAffinity=`), read from `/proc/self/status` because Glibc's `sched_getaffinity` is not visible to Swift.
///
/// SwiftNIO sizes its event-loop group from the machine's core count or the cgroup CPU quota, not from the
/// affinity mask: a server pinned to one CPU then runs two busy loops that take turns on it, paying a context
/// switch each way.
public enum ProcessorAffinity {
    /// nil where the kernel does not say (not Linux, or `/proc` not mounted).
    public static func allowedCPUCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return allowedCPUCount(procStatus: status)
    }

    /// The count from the `Cpus_allowed_list:` line of a `/proc/PID/status` text (`0`, `0-3`, `0,2,5-7`).
    public static func allowedCPUCount(procStatus: String) -> Int? {
        guard let line = procStatus.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        var count = 0
        for range in list.split(separator: ",") {
            let bounds = range.split(separator: "-", omittingEmptySubsequences: false)
            guard let first = bounds.first.flatMap({ Int($0) }) else { return nil }
            let last = bounds.count == 2 ? Int(bounds[1]) : first
            guard bounds.count <= 2, let last, last >= first else { return nil }
            count += last - first + 1
        }
        return count > 0 ? count : nil
    }
}
