// The Hocuspocus server as the co-drafting benchmark starts it: one process, documents in memory, no
// extension (no persistence, no authentication beyond its protocol). Usage: node hocuspocus.mjs PORT
import { Server } from "@hocuspocus/server";

const port = Number(process.argv[2] || 1234);
const server = new Server({ port, address: "127.0.0.1", quiet: true });
await server.listen();
console.log(`hocuspocus listening on 127.0.0.1:${port}`);
