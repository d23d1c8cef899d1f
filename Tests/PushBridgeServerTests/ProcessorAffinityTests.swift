import PushBridgeServer
import Testing

@Suite struct ProcessorAffinityTests {
    @Test(arguments: [
        ("Name:\tpushbridge\nCpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed_list:\t0\n", 1),
        ("Cpus_allowed_list:\t0-3\n", 4),
        ("Cpus_allowed_list:\t0,2,5-7\n", 5),
        ("Cpus_allowed_list:\t12-12\n", 1),
    ])
    func countsTheAllowedList(status: String, expected: Int) {
        #expect(ProcessorAffinity.allowedCPUCount(procStatus: status) == expected)
    }

    @Test(arguments: ["Name:\tx\n", "Cpus_allowed_list:\t\n", "Cpus_allowed_list:\t3-1\n", "Cpus_allowed_list:\t0-1-2\n", "Cpus_allowed_list:\tx\n"])
    func unreadableListIsNil(status: String) {
        #expect(ProcessorAffinity.allowedCPUCount(procStatus: status) == nil)
    }

    @Test func thisProcessMayRunSomewhere() {
        #expect((ProcessorAffinity.allowedCPUCount() ?? 1) >= 1)
    }
}
