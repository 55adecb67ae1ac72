// The page's one Socket.IO connection. Every real-time feature on a page (discussion, notifications,
// poll count, live session, coalition, opinion map) opens its namespace here, on one shared Manager: one
// WebSocket carries them all, whatever the page holds. The build puts this module and the Socket.IO client
// in one chunk that every script imports, so the client is downloaded once and the Manager made once.
// (Co-drafting speaks y-websocket on a WebSocket of its own, not Socket.IO.)
import { Manager } from "socket.io-client";

let manager = null;

// The socket of `namespace` ("/discussion", …), connecting the page's connection on first use. WebSocket
// first (no polling round trips on slow links); long-polling when a network lets no WebSocket through.
export function channel(namespace) {
  if (!manager) manager = new Manager({ transports: ["websocket", "polling"], tryAllTransports: true });
  return manager.socket(namespace);
}
