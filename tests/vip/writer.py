"""Runs inside the client's network namespace: writes unique values to HOST:PORT (the VIP) for `duration` seconds,
reconnecting after every error, and prints each acknowledged value and each outcome change as JSON lines.

    python3 writer.py HOST PORT DURATION KEY"""

import json
import sys
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def main():
    host, port, duration, key = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    end = time.monotonic() + duration
    client = None
    sequence = 0
    while time.monotonic() < end:
        try:
            if client is None:
                # No retries inside the client (redis-py retries with a growing backoff by default): every attempt
                # shows here, so the first acknowledged write is within one attempt of the VIP becoming reachable.
                client = redis.Redis(host=host, port=port, socket_timeout=0.5, socket_connect_timeout=0.2,
                                     retry=Retry(NoBackoff(), 0))
            sequence += 1
            client.rpush(key, sequence)
            print(json.dumps({"t": time.time(), "acked": sequence}), flush=True)
        except Exception as error:  # refused, reset, timeout, READONLY: reconnect and go on
            print(json.dumps({"t": time.time(), "error": type(error).__name__, "value": sequence}), flush=True)
            client = None
            time.sleep(0.05)
        time.sleep(0.01)


if __name__ == "__main__":
    main()
