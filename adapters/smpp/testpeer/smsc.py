#!/usr/bin/env python3
"""An independent SMSC for testing the SMPP session: Python standard library only (asyncio +
struct), so the peer shares no code with the node smpp package the session is built on.

SMPP 3.4 subset: bind_transceiver, enquire_link, submit_sm (with UDH concatenation and
GSM-7 / UCS-2 decoding), deliver_sm for receipts and MO, unbind, generic_nack.

Behaviour per destination address prefix (so one bind can exercise every path):
  999  -> submit_sm_resp ESME_RTHROTTLED        998 -> ESME_RMSGQFUL
  997  -> ESME_RINVDSTADR                       996 -> receipt sent BEFORE submit_sm_resp
  995  -> receipt with TLVs only                994 -> receipt text only, id in zero-padded decimal
  993  -> receipt text only, id in lower-case   992 -> receipt stat:UNDELIV err:001
  991  -> submit_sm_resp delayed 100 ms (the peer records the most submits it held at once)
  990  -> connection dropped right after submit_sm_resp; receipt delivered on the next bind
  anything else -> receipt with TLVs and text, same id
Control on stdin, one JSON object per line:
  {"cmd":"mo","from":"...","to":"...","text":"...","encoding":"gsm7|ucs2","split_surrogate":bool,"ref":N}
  {"cmd":"drop"}   close every connection      {"cmd":"stats"}  print counters as JSON
Prints "READY <port>" once listening on 127.0.0.1.
"""
import asyncio
import json
import struct
import sys
import time

BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x00000009, 0x80000009
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006
GENERIC_NACK = 0x80000000
ESME_ROK, ESME_RINVPASWD, ESME_RINVDSTADR = 0x00, 0x0E, 0x0B
ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RINVCMDID = 0x58, 0x14, 0x03
TLV_RECEIPTED_MESSAGE_ID, TLV_MESSAGE_STATE = 0x001E, 0x0427

GSM = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
       "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXT = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}
GSM_ENC = {c: i for i, c in enumerate(GSM)}
GSM_EXT_ENC = {c: i for i, c in GSM_EXT.items()}


def gsm_decode(data):
    out, i = [], 0
    while i < len(data):
        b = data[i]
        if b == 0x1B and i + 1 < len(data):
            out.append(GSM_EXT.get(data[i + 1], " "))
            i += 2
            continue
        out.append(GSM[b & 0x7F])
        i += 1
    return "".join(out)


def gsm_encode(text):
    out = bytearray()
    for ch in text:
        if ch in GSM_ENC and ch != "\x1b":
            out.append(GSM_ENC[ch])
        else:
            out += bytes([0x1B, GSM_EXT_ENC[ch]])
    return bytes(out)


def cstring(buf, off):
    end = buf.index(b"\x00", off)
    return buf[off:end].decode("latin-1"), end + 1


def pdu(command_id, status, seq, body=b""):
    return struct.pack(">IIII", 16 + len(body), command_id, status, seq) + body


def tlvs(buf, off):
    out = {}
    while off + 4 <= len(buf):
        tag, length = struct.unpack(">HH", buf[off:off + 4])
        out[tag] = buf[off + 4:off + 4 + length]
        off += 4 + length
    return out


class State:
    def __init__(self, system_id, password):
        self.system_id, self.password = system_id, password
        self.next_id = 0x1F3A00
        self.sessions = []
        self.parked = []          # receipts waiting for the next bind
        self.stats = {"binds": 0, "submits": 0, "submit_resp_errors": 0, "receipts_sent": 0,
                      "deliver_sm_resp": 0, "enquire_links": 0, "unbinds": 0, "messages": [],
                      "outstanding": 0, "max_outstanding": 0}
        self.concat = {}


class Session:
    def __init__(self, state, reader, writer):
        self.state, self.reader, self.writer = state, reader, writer
        self.seq = 0x10000
        self.bound = False

    def next_seq(self):
        self.seq += 1
        return self.seq

    def send(self, data):
        if not self.writer.is_closing():
            self.writer.write(data)

    async def run(self):
        self.state.sessions.append(self)
        try:
            while True:
                head = await self.reader.readexactly(4)
                (length,) = struct.unpack(">I", head)
                rest = await self.reader.readexactly(length - 4)
                await self.handle(head + rest)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
            pass
        finally:
            if self in self.state.sessions:
                self.state.sessions.remove(self)
            self.writer.close()

    async def handle(self, buf):
        _, cmd, status, seq = struct.unpack(">IIII", buf[:16])
        body = buf[16:]
        st = self.state
        if cmd == BIND_TRANSCEIVER:
            system_id, off = cstring(body, 0)
            password, off = cstring(body, off)
            if system_id != st.system_id or password != st.password:
                self.send(pdu(BIND_TRANSCEIVER_RESP, ESME_RINVPASWD, seq, b"PYSMSC\x00"))
                return
            self.bound = True
            st.stats["binds"] += 1
            self.send(pdu(BIND_TRANSCEIVER_RESP, ESME_ROK, seq, b"PYSMSC\x00"))
            parked, st.parked = st.parked, []
            for receipt in parked:
                self.send_deliver(receipt)
        elif cmd == ENQUIRE_LINK:
            st.stats["enquire_links"] += 1
            self.send(pdu(ENQUIRE_LINK_RESP, ESME_ROK, seq))
        elif cmd == UNBIND:
            st.stats["unbinds"] += 1
            self.send(pdu(UNBIND_RESP, ESME_ROK, seq))
            await self.writer.drain()
            self.writer.close()
        elif cmd == DELIVER_SM_RESP:
            st.stats["deliver_sm_resp"] += 1
        elif cmd == SUBMIT_SM:
            await self.submit(body, seq)
        elif cmd & 0x80000000:
            pass
        else:
            self.send(pdu(GENERIC_NACK, ESME_RINVCMDID, seq))

    async def submit(self, body, seq):
        st = self.state
        _service, off = cstring(body, 0)
        off += 2
        source, off = cstring(body, off)
        off += 2
        dest, off = cstring(body, off)
        esm_class, _pid, _prio = body[off], body[off + 1], body[off + 2]
        off += 3
        _sched, off = cstring(body, off)
        _validity, off = cstring(body, off)
        registered, _replace, data_coding, _default, sm_length = body[off:off + 5]
        off += 5
        short = body[off:off + sm_length]
        st.stats["submits"] += 1
        for prefix, code in (("999", ESME_RTHROTTLED), ("998", ESME_RMSGQFUL), ("997", ESME_RINVDSTADR)):
            if dest.startswith(prefix):
                st.stats["submit_resp_errors"] += 1
                self.send(pdu(SUBMIT_SM_RESP, code, seq))
                return
        self.record(source, dest, esm_class, data_coding, short)
        st.next_id += 7
        msg_id = "%X" % st.next_id
        if dest.startswith("991"):
            st.stats["outstanding"] += 1
            st.stats["max_outstanding"] = max(st.stats["max_outstanding"], st.stats["outstanding"])

            async def later():
                await asyncio.sleep(0.1)
                st.stats["outstanding"] -= 1
                self.send(pdu(SUBMIT_SM_RESP, ESME_ROK, seq, msg_id.encode() + b"\x00"))
            asyncio.get_running_loop().create_task(later())
            return
        receipt = self.receipt_for(msg_id, source, dest, registered)
        if receipt and dest.startswith("996"):
            self.send_deliver(receipt)
            await self.writer.drain()
            await asyncio.sleep(0.05)
            receipt = None
        self.send(pdu(SUBMIT_SM_RESP, ESME_ROK, seq, msg_id.encode() + b"\x00"))
        if dest.startswith("990"):
            await self.writer.drain()
            st.parked.append(receipt)
            self.writer.transport.abort()
            return
        if receipt:
            await self.writer.drain()
            self.send_deliver(receipt)

    def record(self, source, dest, esm_class, data_coding, short):
        udh = None
        if esm_class & 0x40 and short:
            udhl = short[0]
            udh, short = short[1:1 + udhl], short[1 + udhl:]
        text_bytes = short
        part = None
        if udh:
            i = 0
            while i + 1 < len(udh):
                iei, ln = udh[i], udh[i + 1]
                data = udh[i + 2:i + 2 + ln]
                if iei == 0x00 and ln == 3:
                    part = (data[0], data[1], data[2])
                elif iei == 0x08 and ln == 4:
                    part = ((data[0] << 8) | data[1], data[2], data[3])
                i += 2 + ln
        if part is None:
            self.state.stats["messages"].append({"to": dest, "text": self.decode(text_bytes, data_coding), "parts": 1, "data_coding": data_coding})
            return
        ref, total, seq = part
        key = (source, dest, ref)
        parts = self.state.concat.setdefault(key, {})
        parts[seq] = text_bytes
        if len(parts) == total:
            joined = b"".join(parts[i] for i in range(1, total + 1))
            del self.state.concat[key]
            self.state.stats["messages"].append({"to": dest, "text": self.decode(joined, data_coding), "parts": total, "data_coding": data_coding})

    @staticmethod
    def decode(data, data_coding):
        if data_coding == 0x08:
            return data.decode("utf-16-be", errors="strict")
        return gsm_decode(data)

    def receipt_for(self, msg_id, source, dest, registered):
        if not registered & 0x01:
            return None
        stamp = time.strftime("%y%m%d%H%M", time.gmtime())
        stat, err, state = "DELIVRD", "000", 2
        if dest.startswith("992"):
            stat, err, state = "UNDELIV", "001", 5
        text_id, with_tlv, with_text = msg_id, True, True
        if dest.startswith("995"):
            with_text = False
        if dest.startswith("994"):
            text_id, with_tlv = "%010d" % int(msg_id, 16), False
        if dest.startswith("993"):
            text_id, with_tlv = msg_id.lower(), False
        text = ("id:%s sub:001 dlvrd:%s submit date:%s done date:%s stat:%s err:%s text:" %
                (text_id, "001" if state == 2 else "000", stamp, stamp, stat, err)) if with_text else ""
        extra = b""
        if with_tlv:
            rid = msg_id.encode() + b"\x00"
            extra += struct.pack(">HH", TLV_RECEIPTED_MESSAGE_ID, len(rid)) + rid
            extra += struct.pack(">HHB", TLV_MESSAGE_STATE, 1, state)
        return {"source": dest, "dest": source, "esm_class": 0x04, "data_coding": 0, "short": text.encode("ascii"), "tlvs": extra}

    def send_deliver(self, d):
        if d is None:
            return
        body = b"\x00" + bytes([1, 1]) + d["source"].encode() + b"\x00" + bytes([1, 1]) + d["dest"].encode() + b"\x00"
        body += bytes([d["esm_class"], 0, 0]) + b"\x00" + b"\x00" + bytes([0, 0, d["data_coding"], 0, len(d["short"])])
        body += d["short"] + d.get("tlvs", b"")
        self.send(pdu(DELIVER_SM, ESME_ROK, self.next_seq(), body))
        if d["esm_class"] & 0x04:
            self.state.stats["receipts_sent"] += 1


def mo_parts(cmd):
    """Encode an MO message and split it into concatenated parts of at most 134 octets (UCS-2)
    or 153 septets (GSM-7). With split_surrogate the first cut falls between the two halves of
    the first surrogate pair, as some handsets and SMSCs do."""
    text, encoding = cmd["text"], cmd.get("encoding", "gsm7")
    data = text.encode("utf-16-be") if encoding == "ucs2" else gsm_encode(text)
    dc = 0x08 if encoding == "ucs2" else 0x00
    limit_single, limit_multi = (140, 134) if encoding == "ucs2" else (160, 153)
    if len(data) <= limit_single:
        return [(dc, 0x00, data)]
    cuts, i = [], 0
    if cmd.get("split_surrogate") and encoding == "ucs2":
        for j in range(0, min(len(data), limit_multi), 2):
            if 0xD8 <= data[j] <= 0xDB:
                cuts.append(j + 2)
                i = j + 2
                break
    while len(data) - i > limit_multi:
        i += limit_multi
        cuts.append(i)
    bounds = [0] + cuts + [len(data)]
    chunks = [data[a:b] for a, b in zip(bounds, bounds[1:])]
    ref, total = int(cmd.get("ref", 0x42)), len(chunks)
    return [(dc, 0x40, bytes([5, 0, 3, ref, total, n + 1]) + chunk) for n, chunk in enumerate(chunks)]


async def control(state):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            for s in list(state.sessions):
                s.writer.close()
            asyncio.get_running_loop().stop()
            return
        try:
            handle_command(state, json.loads(line))
        except Exception as exc:  # keep serving: a bad command must not take the SMSC down
            print("ERROR %r" % exc, flush=True)


def handle_command(state, cmd):
    if cmd["cmd"] == "stats":
        print("STATS " + json.dumps(state.stats), flush=True)
    elif cmd["cmd"] == "drop":
        for s in list(state.sessions):
            s.writer.transport.abort()
        print("DROPPED", flush=True)
    elif cmd["cmd"] == "mo":
        target = next((s for s in state.sessions if s.bound), None)
        if target:
            for dc, esm, short in mo_parts(cmd):
                target.send_deliver({"source": cmd["from"], "dest": cmd["to"], "esm_class": esm, "data_coding": dc, "short": short})
        print("MO_SENT" if target else "MO_NO_SESSION", flush=True)


async def main():
    system_id = sys.argv[1] if len(sys.argv) > 1 else "turumba"
    password = sys.argv[2] if len(sys.argv) > 2 else "secret12"
    state = State(system_id, password)
    server = await asyncio.start_server(lambda r, w: Session(state, r, w).run(), "127.0.0.1", 0)
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    await control(state)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except RuntimeError:
        pass
