import PushBridgeCore
import PushBridgeJSON
import PushBridgePostgres

/// The cluster as `/readyz` and `/admin/nodes` show it: this node, whether it reaches PostgreSQL, and every node's
/// row as its last heartbeat read them (no query per request: load balancers probe often).
enum ClusterStatusJSON {
    static func members(_ cluster: ClusterNode) -> [(String, JSONValue)] {
        let nodes: [JSONValue] = cluster.nodes.map { node in
            AdminJSON.object([
                ("id", .string(node.id)),
                ("self", .bool(node.id == cluster.nodeId)),
                ("alive", .bool(node.alive)),
                ("startedAt", AdminJSON.time(node.startedAt)),
                ("heartbeatAgeMs", AdminJSON.int(Int(clamping: node.heartbeatAgeMilliseconds))),
                ("connections", AdminJSON.int(node.connections)),
                ("messages", AdminJSON.int(node.messages)),
            ])
        }
        return [
            ("node", .string(cluster.nodeId)),
            ("postgres", .string(cluster.reachesPostgres ? "reachable" : "unreachable")),
            ("nodes", .array(nodes)),
        ]
    }
}
