// One co-drafting session: a Y.Doc and its awareness kept in step with the server over Socket.IO.
// No DOM here (node can run it): the page glue in ../drafting.js listens to the events it fires.
//
// Wire protocol (docs/drafting-protocol.md): emit "join" {document} with an ack, then event "y" with
// (documentId, bytes) both ways, the bytes being y-websocket messages: varUint 0 = sync (step1, step2,
// update), varUint 1 = awareness. Local updates are sent one batch at a time and kept until the server
// acknowledges them ({ok: true} means committed); a batch in flight when the connection drops is sent
// again after the next join, and the step1/step2 exchange of every join carries offline edits too.
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as awarenessProtocol from "y-protocols/awareness";

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
// Refusals worth sending again: the budget of messages refills, a lost join is redone.
const RETRY = new Set(["rate-limited", "not-joined"]);
const RETRY_DELAY_MS = 1000;
// Transaction origin of everything that came from the server: never sent back.
export const REMOTE = Symbol("drafting-remote");

export function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("binary message expected");
}

export function syncStep1Message(doc) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

export function updateMessage(update) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function awarenessMessage(awareness, clients) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(encoder);
}

class Emitter {
  constructor() { this.handlers = new Map(); }
  on(name, handler) {
    if (!this.handlers.has(name)) this.handlers.set(name, []);
    this.handlers.get(name).push(handler);
    return this;
  }
  fire(name, ...args) { (this.handlers.get(name) || []).forEach((handler) => handler(...args)); }
}

/**
 * Events: "joined" / "rejoined" (ack), "join-failed" / "rejoin-failed" (ack), "synced" (first step 2),
 * "status" ("connecting" | "connected" | "reconnecting"), "pending", "saved" (nothing left unacknowledged),
 * "refused" ({code, message}: an edit refused for good), "error" ({code, message}: the server's error event).
 */
export class DraftingSession extends Emitter {
  constructor(socket, documentId, { doc = new Y.Doc(), user = null, ackTimeout = 15000 } = {}) {
    super();
    this.socket = socket;
    this.documentId = documentId;
    this.doc = doc;
    this.text = doc.getText("body");
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.ackTimeout = ackTimeout;
    this.role = null;
    this.user = user;
    this.joined = false; // joined on the current connection
    this.everJoined = false;
    this.synced = false; // received the server's step 2 at least once
    this.queue = []; // local updates not yet sent
    this.inflight = null; // the batch sent, waiting for its ack
    this.generation = 0; // bumped on every disconnect: late acks of an old connection are ignored
    if (user) this.setUser(user);

    this.onDocUpdate = (update, origin) => {
      if (origin === REMOTE) return;
      this.queue.push(update);
      this.fire("pending");
      this.flush();
    };
    this.onAwarenessUpdate = ({ added, updated, removed }, origin) => {
      if (!this.joined) return;
      // The server keeps everyone's presence and sends it to a newcomer after its sync: nobody has
      // to announce themselves again when someone arrives.
      if (origin === REMOTE) return;
      const changed = added.concat(updated, removed).filter((id) => id === this.doc.clientID);
      if (changed.length) this.send(awarenessMessage(this.awareness, changed), () => {});
    };
    doc.on("update", this.onDocUpdate);
    this.awareness.on("update", this.onAwarenessUpdate);

    this.onConnect = () => this.join();
    this.onDisconnect = () => {
      this.generation += 1;
      this.joined = false;
      if (this.inflight) {
        this.queue.unshift(this.inflight.update);
        this.inflight = null;
      }
      // The others' presence is stale from now on; they come back with the next sync.
      const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
      awarenessProtocol.removeAwarenessStates(this.awareness, others, REMOTE);
      // Forget their clocks too: when they speak again after we are back, their unchanged clock must
      // not look like old news.
      others.forEach((id) => this.awareness.meta.delete(id));
      this.fire("status", this.everJoined ? "reconnecting" : "connecting");
    };
    this.onMessage = (documentId, data) => {
      if (String(documentId) !== String(this.documentId)) return;
      try {
        this.receive(toBytes(data));
      } catch (error) {
        console.warn("drafting: unreadable message", error); // eslint-disable-line no-console
      }
    };
    this.onServerError = (documentId, error) => {
      if (documentId != null && String(documentId) !== String(this.documentId)) return;
      if (error && RETRY.has(error.code)) return; // handled where the ack comes back
      this.fire("error", error || {});
    };
    this.onMode = (data) => {
      // The document's mode changed: join again for the new role.
      if (data && String(data.document) === String(this.documentId) && this.joined) this.join();
    };
    socket.on("connect", this.onConnect);
    socket.on("disconnect", this.onDisconnect);
    socket.on("y", this.onMessage);
    socket.on("error", this.onServerError);
    socket.on("mode", this.onMode);
    if (socket.connected) this.join();
    else this.fire("status", "connecting");
  }

  setUser(user) {
    this.user = user;
    this.awareness.setLocalStateField("user", {
      id: user.id,
      name: user.name,
      color: user.color,
      colorLight: user.colorLight || `${user.color}33`,
    });
  }

  join() {
    const generation = this.generation;
    this.socket.emit("join", { document: this.documentId }, (ack) => {
      if (generation !== this.generation) return; // the answer of a connection that is gone
      if (!ack || !ack.ok) {
        this.fire(this.everJoined ? "rejoin-failed" : "join-failed", ack || {});
        return;
      }
      this.role = ack.role;
      if (ack.user) this.setUser({ ...(this.user || {}), ...ack.user });
      if (this.everJoined) {
        // When we dropped, the server told the others we left with our clock + 1: announce ourselves
        // with a newer clock than that, or they would ignore us.
        this.awareness.setLocalState(this.awareness.getLocalState());
        this.awareness.setLocalState(this.awareness.getLocalState());
      }
      this.joined = true;
      const first = !this.everJoined;
      this.everJoined = true;
      this.fire("status", "connected");
      this.fire(first ? "joined" : "rejoined", ack);
      this.send(syncStep1Message(this.doc), () => {});
      this.send(awarenessMessage(this.awareness, [this.doc.clientID]), () => {});
      this.flush();
    });
  }

  send(message, ack) {
    if (ack) this.socket.emit("y", this.documentId, message, ack);
    else this.socket.emit("y", this.documentId, message);
  }

  flush() {
    if (!this.joined || this.inflight || !this.queue.length) return;
    const update = this.queue.length === 1 ? this.queue[0] : Y.mergeUpdates(this.queue);
    this.queue = [];
    const generation = this.generation;
    const inflight = { update };
    this.inflight = inflight;
    const current = () => generation === this.generation && this.inflight === inflight;
    const timer = setTimeout(() => {
      // No answer in time: send the batch again (applying an update twice is harmless).
      if (!current()) return;
      this.queue.unshift(update);
      this.inflight = null;
      this.flush();
    }, this.ackTimeout);
    this.send(updateMessage(update), (ack) => {
      if (!current()) return;
      clearTimeout(timer);
      this.inflight = null;
      if (ack && ack.ok) {
        if (!this.queue.length) this.fire("saved");
      } else if (ack && RETRY.has(ack.code)) {
        // Not refused for good: send it again a little later (after joining again if need be).
        this.queue.unshift(update);
        if (ack.code === "not-joined") {
          this.joined = false;
          this.join();
        } else {
          setTimeout(() => this.flush(), RETRY_DELAY_MS);
        }
        return;
      } else {
        // Refused for good (read-only now, too big): the text stays on screen, the reason is said.
        this.fire("refused", { code: (ack && ack.code) || "refused", message: ack && (ack.error || ack.message) });
      }
      this.flush();
    });
  }

  get unsaved() {
    return this.queue.length + (this.inflight ? 1 : 0);
  }

  receive(bytes) {
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, REMOTE);
      if (kind === syncProtocol.messageYjsSyncStep1) {
        // The server asks what it lacks: edits made offline, if any, travel in this step 2.
        this.send(encoding.toUint8Array(encoder), () => {});
      } else if (kind === syncProtocol.messageYjsSyncStep2 && !this.synced) {
        this.synced = true;
        this.fire("synced");
      }
    } else if (type === MESSAGE_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), REMOTE);
    }
  }

  // Tell the others we are gone (closing the tab, going to another page).
  goodbye() {
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], "goodbye");
  }

  destroy() {
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], "destroy");
    this.doc.off("update", this.onDocUpdate);
    this.awareness.off("update", this.onAwarenessUpdate);
    this.socket.off("connect", this.onConnect);
    this.socket.off("disconnect", this.onDisconnect);
    this.socket.off("y", this.onMessage);
    this.socket.off("error", this.onServerError);
    this.socket.off("mode", this.onMode);
    this.awareness.destroy();
  }
}
