// One co-drafting session: a Y.Doc and its awareness kept in step with the server by the standard
// y-websocket provider, over the document's sync endpoint (docs/drafting-protocol.md). No DOM here
// (node can run it): the page glue in ../drafting.js listens to the events it fires.
//
// The provider speaks y-websocket (sync and awareness, reconnects, backoff). What Civic adds rides on
// the WebSocket the provider is given (its documented `WebSocketPolyfill` option): the server's own
// messages (type 100: welcome, saved, error, role, mode) are taken before the provider sees them, and
// local updates are sent one batch at a time: what is typed before the server says "saved" (committed)
// is merged and sent when it does, so a busy server gets fewer, larger updates instead of a backlog.
// After a reconnection the provider's sync (its step 2) carries whatever was not saved.
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as awarenessProtocol from "y-protocols/awareness";
import { WebsocketProvider } from "y-websocket";

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_CIVIC = 100;
const STEP2 = 1;
const UPDATE = 2;
// Refusals worth sending again: the budget of messages refills.
const RETRY = new Set(["rate-limited"]);
const RETRY_DELAY_MS = 1000;

export function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("binary message expected");
}

export function updateMessage(update) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, UPDATE);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function awarenessMessage(awareness, clients) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(encoder);
}

// The Civic message a server's frame carries, or null for a y-websocket message.
export function readCivic(bytes) {
  const decoder = decoding.createDecoder(bytes);
  if (decoding.readVarUint(decoder) !== MESSAGE_CIVIC) return null;
  return JSON.parse(decoding.readVarString(decoder));
}

// What a frame the provider sends is: [type, sub-type, payload] for a sync message, [type, null, the
// client ids it names] for presence.
function describe(bytes) {
  const decoder = decoding.createDecoder(bytes);
  const type = decoding.readVarUint(decoder);
  if (type === MESSAGE_AWARENESS) {
    const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
    const clients = [];
    for (let n = decoding.readVarUint(update); n > 0; n -= 1) {
      clients.push(decoding.readVarUint(update));
      decoding.readVarUint(update); // clock
      decoding.readVarString(update); // state
    }
    return [type, null, clients];
  }
  if (type !== MESSAGE_SYNC) return [type, null, null];
  const sub = decoding.readVarUint(decoder);
  return [type, sub, sub === UPDATE ? decoding.readVarUint8Array(decoder) : null];
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
 * Events: "welcome" ({role, user, message?}, each time a connection opens), "role" (role), "mode"
 * (mode), "synced" (the first sync), "status" ("connecting" | "connected" | "reconnecting"),
 * "pending", "saved" (nothing left unacknowledged), "refused" ({code, message}: an edit refused for
 * good), "error" ({code, message}: any refusal, to be said).
 */
export class DraftingSession extends Emitter {
  constructor(url, { doc = new Y.Doc(), user = null, ackTimeout = 15000, WebSocketClass = WebSocket } = {}) {
    super();
    this.doc = doc;
    this.text = doc.getText("body");
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.ackTimeout = ackTimeout;
    this.user = user;
    this.everConnected = false;
    this.synced = false;
    this.socket = null; // the current connection's WebSocket
    this.outstanding = []; // updates sent and not yet answered (null: a step 2, never sent again)
    this.queue = []; // local updates held while one is in flight
    this.timer = null;
    if (user) this.setUser(user);
    const session = this;
    // The provider's WebSocket: Civic's messages and the flow of updates, the rest as it is.
    class CivicSocket extends WebSocketClass {
      constructor(address, protocols) {
        super(address, protocols);
        session.attach(this);
      }
      set onmessage(handler) {
        super.onmessage = handler && ((event) => { if (!session.take(this, event.data)) handler(event); });
      }
      get onmessage() { return super.onmessage; }
      send(data) {
        if (!session.hold(this, data)) super.send(data);
      }
      sendNow(data) { super.send(data); }
    }
    // The endpoint is …/documents/<id>/sync: the provider adds the room name ("sync") to its address.
    const base = new URL(url, window.location.href);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    const room = base.pathname.split("/").pop();
    base.pathname = base.pathname.slice(0, -room.length - 1);
    this.provider = new WebsocketProvider(base.href.replace(/\/$/, ""), room, doc, {
      awareness: this.awareness,
      params: { civic: "1" },
      WebSocketPolyfill: CivicSocket,
      disableBc: true, // every tab talks to the server: what it saves is what the server says it saved
    });
    this.provider.on("status", ({ status }) => this.onStatus(status));
    this.provider.on("sync", (synced) => {
      if (synced && !this.synced) {
        this.synced = true;
        this.fire("synced");
      }
    });
    this.fire("status", "connecting");
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

  onStatus(status) {
    if (status === "connected") {
      if (this.everConnected) {
        // When we dropped, the server told the others we left with our clock + 1: announce ourselves
        // with a newer clock than that, or they would ignore us.
        this.awareness.setLocalState(this.awareness.getLocalState());
        this.awareness.setLocalState(this.awareness.getLocalState());
      }
      this.everConnected = true;
      this.fire("status", "connected");
    } else if (status === "disconnected") {
      // Forget the others' clocks too: when they speak again after we are back, their unchanged clock
      // must not look like old news.
      [...this.awareness.meta.keys()].filter((id) => id !== this.doc.clientID).forEach((id) => this.awareness.meta.delete(id));
      this.fire("status", this.everConnected ? "reconnecting" : "connecting");
    }
  }

  // A new connection: what was held or in flight is in the document, which its sync's step 2 carries.
  attach(socket) {
    this.socket = socket;
    this.outstanding = [];
    this.queue = [];
    window.clearTimeout(this.timer);
  }

  // A frame the provider sends: true when held back (an update while another is in flight) or
  // dropped (the others' presence, which the provider sends back whenever it changes: the server
  // knows it already, and would refuse it).
  hold(socket, data) {
    if (socket !== this.socket) return false;
    const [type, sub, update] = describe(toBytes(data));
    if (type === MESSAGE_AWARENESS) {
      const own = update.filter((client) => client === this.doc.clientID);
      if (!own.length) return true;
      if (own.length === update.length) return false;
      socket.sendNow(awarenessMessage(this.awareness, own));
      return true;
    }
    if (type !== MESSAGE_SYNC || (sub !== UPDATE && sub !== STEP2)) return false;
    if (sub === UPDATE && this.outstanding.length) {
      this.queue.push(update);
      this.fire("pending");
      return true;
    }
    this.sent(sub === UPDATE ? update : null);
    return false;
  }

  sent(update) {
    this.outstanding.push(update);
    this.watch();
  }

  // No answer in time: the connection is given up, and the next one's sync sends what is unsaved.
  watch() {
    window.clearTimeout(this.timer);
    if (this.outstanding.length) {
      this.timer = window.setTimeout(() => { if (this.socket) this.socket.close(); }, this.ackTimeout);
    }
  }

  // A frame from the server: true when it was Civic's (the provider never sees those).
  take(socket, data) {
    const message = readCivic(toBytes(data));
    if (message === null) return false;
    if (socket !== this.socket) return true;
    if (message.type === "welcome") {
      if (message.user) this.setUser({ ...(this.user || {}), ...message.user });
      this.fire("welcome", message);
    } else if (message.type === "role") {
      this.fire("role", message.role);
    } else if (message.type === "mode") {
      this.fire("mode", message.mode);
    } else if (message.type === "saved") {
      this.answered(null);
    } else if (message.type === "error") {
      if (message.answers) this.answered(message);
      else this.fire("error", message);
    }
    return true;
  }

  answered(error) {
    const update = this.outstanding.shift();
    this.watch();
    if (error && RETRY.has(error.code) && update) {
      // Not refused for good: sent again a little later, with what was typed meanwhile.
      this.queue.unshift(update);
      window.setTimeout(() => this.flush(), RETRY_DELAY_MS);
      return;
    }
    if (error) {
      this.fire("error", error);
      // Refused for good (read-only now, too big): the text stays on screen, the reason is said.
      if (update) this.fire("refused", error);
    }
    if (!this.flush() && !this.unsaved) this.fire("saved");
  }

  // Send what was held, merged, if nothing is in flight; true when something was sent.
  flush() {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN || this.outstanding.length || !this.queue.length) return false;
    const update = this.queue.length === 1 ? this.queue[0] : Y.mergeUpdates(this.queue);
    this.queue = [];
    this.sent(update);
    socket.sendNow(updateMessage(update));
    return true;
  }

  get unsaved() {
    return this.queue.length + this.outstanding.length;
  }

  // Tell the others we are gone (closing the tab, going to another page).
  goodbye() {
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], "goodbye");
  }

  destroy() {
    this.goodbye();
    this.provider.destroy();
    this.awareness.destroy();
  }
}
