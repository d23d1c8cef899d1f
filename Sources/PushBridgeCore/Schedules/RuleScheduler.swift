import Logging
import ServiceLifecycle

/// Fires scheduled rules (`ScheduleExpression`) at their times: sleeps until the next firing or a rule change, and
/// sends each firing's event to its rule's targets. In a cluster every node computes the same firings and only the
/// node whose claim the store records first sends one.
public struct RuleScheduler: Service {
    /// What became of a firing, for metrics.
    public enum Outcome: Sendable, Equatable {
        case sent(EventRouter.FiringOutcome)
        /// Another node of the cluster claimed it first and sends it.
        case claimedByOtherNode
        /// The store could not be asked which node sends it: nobody does.
        case notClaimed(EventStoreError)
    }

    let router: EventRouter
    let logger: Logger
    let report: @Sendable (ScheduleTimetable.Firing, Outcome) -> Void
    /// The longest sleep while a firing is ahead: the sleep runs on the monotonic clock, and the wall clock the
    /// firings are set by may be stepped meanwhile.
    let maximumSleep: Duration

    public init(
        router: EventRouter,
        logger: Logger,
        maximumSleep: Duration = .seconds(30),
        report: @escaping @Sendable (ScheduleTimetable.Firing, Outcome) -> Void = { _, _ in }
    ) {
        self.router = router
        self.logger = logger
        self.maximumSleep = maximumSleep
        self.report = report
    }

    public func run() async throws {
        var timetable = ScheduleTimetable()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let now = router.clock.now()
            timetable.update(router.scheduledRules(), now: now)
            for firing in timetable.takeDue(now: now) { report(firing, await send(firing)) }
            let deadline = timetable.nextFiring.map { next in
                ContinuousClock.now + max(.zero, min(next - router.clock.now(), maximumSleep))
            }
            await cancelWhenGracefulShutdown { await router.scheduleChanges.wait(until: deadline) }
        }
    }

    func send(_ firing: ScheduleTimetable.Firing) async -> Outcome {
        guard let rule = router.rule(firing.rule.ruleName, bus: firing.rule.busName) else { return .sent(.skipped) }
        var metadata: Logger.Metadata = ["pb.rule": "\(firing.rule)", "pb.schedule.time": "\(firing.time.rfc3339Seconds)"]
        do {
            guard try await router.store.claimFiring(ruleArn: rule.arn, at: firing.time) else { return .claimedByOtherNode }
        } catch {
            metadata["pb.reason"] = "\(error)"
            logger.error("A scheduled rule did not fire: the store could not be asked which node fires it", metadata: metadata)
            return .notClaimed(error)
        }
        let outcome = await router.fire(firing)
        switch outcome {
        case .fired(let targets):
            metadata["pb.targets"] = "\(targets)"
            logger.debug("Scheduled rule fired", metadata: metadata)
        case .skipped:
            break
        case .throttled:
            logger.warning("A scheduled rule did not fire: a target's queue is full; its next firing is tried as usual", metadata: metadata)
        case .notRecorded(let error):
            metadata["pb.reason"] = "\(error)"
            logger.error("A scheduled rule did not fire: its event could not be recorded", metadata: metadata)
        }
        return .sent(outcome)
    }
}
