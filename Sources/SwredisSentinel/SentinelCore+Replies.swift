/// What comes back from the instances: link changes, replies to PING, INFO and IS-MASTER-DOWN-BY-ADDR, and hellos.
extension SentinelCore {
    // MARK: Links

    /// The instance's links are up (the shell sent AUTH and CLIENT SETNAME, and subscribed the pub/sub link): PING at
    /// once.
    public mutating func linkConnected(_ reference: InstanceReference, now: Int64) -> [SentinelAction] {
        guard
            update(
                reference,
                {
                    $0.linkConnected = true
                    $0.linkConnectedSince = now
                    $0.pendingCommands = 0
                    $0.lastPubSubActivity = now
                })
        else { return [.disconnect(reference)] }
        sendPing(reference, now: now)
        return take()
    }

    /// The links failed to open or closed.
    public mutating func linkLost(_ reference: InstanceReference, now: Int64) -> [SentinelAction] {
        markLinkLost(reference, now: now)
        return take()
    }

    mutating func markLinkLost(_ reference: InstanceReference, now: Int64) {
        update(reference) {
            if $0.linkConnected { $0.linkDisconnectedSince = now }
            $0.linkConnected = false
            $0.pendingCommands = 0
        }
    }

    // MARK: Replies

    public mutating func replied(
        _ reference: InstanceReference, to request: SentinelRequest, with reply: SentinelReply, now: Int64
    ) -> [SentinelAction] {
        update(reference) { $0.pendingCommands = max(0, $0.pendingCommands - 1) }
        switch request {
        case .ping: pingReplied(reference, reply, now: now)
        case .info: if case .bulk(let text?) = reply { refreshInfo(reference, text, now: now) }
        case .isMasterDown: masterDownReplied(reference, reply, now: now)
        case .hello, .discard: break
        }
        return take()
    }

    private mutating func pingReplied(_ reference: InstanceReference, _ reply: SentinelReply, now: Int64) {
        let text: String
        switch reply {
        case .status(let status): text = status
        case .error(let error): text = error
        default: text = ""
        }
        if text.hasPrefix("PONG") || text.hasPrefix("LOADING") || text.hasPrefix("MASTERDOWN") {
            update(reference) {
                $0.lastAvailableTime = now
                $0.activePingTime = 0
                if text.hasPrefix("PONG") { $0.flags.remove(.masterReboot) }
            }
        } else if text.hasPrefix("BUSY"), let instance = instance(reference),
            instance.flags.contains(.subjectivelyDown), !instance.flags.contains(.scriptKillSent),
            let master = master(named: reference.masterName)
        {
            // Down only because a script keeps it busy: kill the script.
            send(reference, [[master.command("SCRIPT"), "KILL"]], .discard)
            update(reference) { $0.flags.insert(.scriptKillSent) }
        }
        update(reference) { $0.lastPongTime = now }
    }

    private mutating func masterDownReplied(_ reference: InstanceReference, _ reply: SentinelReply, now: Int64) {
        guard case .array(let elements) = reply, elements.count == 3, case .integer(let down) = elements[0],
            case .bulk(let leader?) = elements[1], case .integer(let epoch) = elements[2]
        else { return }
        guard let previous = instance(reference) else { return }
        if leader != "*", epoch >= 0, UInt64(epoch) != previous.leaderEpoch {
            actions.append(.log(.warning, "\(previous.name) voted for \(leader) \(epoch)"))
        }
        update(reference) {
            $0.lastMasterDownReply = now
            if down == 1 { $0.flags.insert(.masterDown) } else { $0.flags.remove(.masterDown) }
            if leader != "*", epoch >= 0 {
                $0.leader = leader
                $0.leaderEpoch = UInt64(epoch)
            }
        }
    }

    // MARK: Hellos

    /// A message on an instance's pub/sub link (the hello channel); `nil` payload for other pub/sub traffic.
    public mutating func pubSubMessage(_ reference: InstanceReference, payload: String?, now: Int64) -> [SentinelAction]
    {
        update(reference) { $0.lastPubSubActivity = now }
        if let payload { processHello(payload, now: now) }
        return take()
    }

    /// A hello published to this sentinel directly (its PUBLISH command), or read on a pub/sub link.
    public mutating func helloReceived(_ payload: String, now: Int64) -> [SentinelAction] {
        processHello(payload, now: now)
        return take()
    }

    /// Redis's `sentinelProcessHelloMessage`: learn the sender, adopt a newer epoch, follow a newer master address.
    mutating func processHello(_ payload: String, now: Int64) {
        let fields = payload.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 8, fields[2] != myID, let port = Int(fields[1]), (0...65535).contains(port),
            let epoch = UInt64(fields[3]), let masterPort = Int(fields[6]), (0...65535).contains(masterPort),
            let masterEpoch = UInt64(fields[7]), let index = masterIndex(named: fields[4])
        else { return }
        let host = fields[0]
        let runID = fields[2]
        let masterName = fields[4]
        let known = masters[index].sentinels.contains {
            $0.name == runID && $0.address.matches(host: host, port: port)
        }
        if !known {
            // The same run id at another address moved; another sentinel at this address is stale.
            let moved = masters[index].sentinels.contains { $0.name == runID }
            if moved {
                removeSentinel(runID: runID, from: index)
            } else if let stale = masters[index].sentinels.firstIndex(where: {
                $0.address.matches(host: host, port: port)
            }) {
                let reference = InstanceReference.sentinel(
                    master: masterName, runID: masters[index].sentinels[stale].name)
                emit(.notice, "+sentinel-invalid-addr", about: reference, "")
                invalidateSentinelAddress(runID: masters[index].sentinels[stale].name)
            }
            var sentinel = SentinelInstance(
                name: runID, address: SentinelAddress(host: host, port: port), flags: .sentinel, now: now)
            sentinel.runID = runID
            masters[index].sentinels.append(sentinel)
            let reference = InstanceReference.sentinel(master: masterName, runID: runID)
            if moved {
                emit(
                    .notice, "+sentinel-address-switch", about: .master(masterName),
                    " ip \(host) port \(port) for \(runID)")
                updateSentinelAddress(runID: runID, to: SentinelAddress(host: host, port: port))
            } else {
                emit(.notice, "+sentinel", about: reference, "")
            }
            actions.append(.persist)
        }
        if epoch > currentEpoch {
            currentEpoch = epoch
            actions.append(.persist)
            emit(.warning, "+new-epoch", message: String(currentEpoch), master: masterName)
        }
        let senderReference = InstanceReference.sentinel(master: masterName, runID: runID)
        if masters[index].instance.configEpoch < masterEpoch {
            masters[index].instance.configEpoch = masterEpoch
            let old = masters[index].instance.address
            if masterPort != old.port || old.host.lowercased() != fields[5].lowercased() {
                emit(.warning, "+config-update-from", about: senderReference, "")
                emit(
                    .warning, "+switch-master",
                    message: "\(masterName) \(old.announced(announceHostnames)) \(old.port) \(fields[5]) \(masterPort)",
                    master: masterName)
                resetMasterAndChangeAddress(at: index, to: SentinelAddress(host: fields[5], port: masterPort), now: now)
                reconfigurationScript(
                    at: index, role: "observer", state: "start", from: old, to: masters[index].instance.address)
            }
        }
        update(senderReference) { $0.lastHelloReceived = now }
    }

    private mutating func removeSentinel(runID: String, from index: Int) {
        guard let position = masters[index].sentinels.firstIndex(where: { $0.name == runID }) else { return }
        actions.append(.disconnect(.sentinel(master: masters[index].name, runID: runID)))
        masters[index].sentinels.remove(at: position)
    }

    private mutating func invalidateSentinelAddress(runID: String) {
        for index in masters.indices {
            for position in masters[index].sentinels.indices where masters[index].sentinels[position].name == runID {
                masters[index].sentinels[position].address.port = 0
                masters[index].sentinels[position].linkConnected = false
                actions.append(.disconnect(.sentinel(master: masters[index].name, runID: runID)))
            }
        }
    }

    /// A sentinel announced a new address: every master that knows it uses it.
    private mutating func updateSentinelAddress(runID: String, to address: SentinelAddress) {
        for index in masters.indices {
            for position in masters[index].sentinels.indices where masters[index].sentinels[position].name == runID {
                if masters[index].sentinels[position].address != address {
                    masters[index].sentinels[position].address = address
                    masters[index].sentinels[position].linkConnected = false
                    actions.append(.disconnect(.sentinel(master: masters[index].name, runID: runID)))
                }
            }
        }
    }
}
