// Live ballot count on a poll page: join the poll's room on the /voting namespace and update the
// number of voters, the chain's length and its head. Only counts are ever sent, never (partial) results.
import { channel } from "./realtime.js";

const box = document.querySelector(".poll-live[data-poll]");
if (box) {
  const poll = Number(box.dataset.poll);
  const count = box.querySelector("[data-count]");
  const head = box.querySelector("[data-head]");
  const records = box.querySelector("[data-records]");
  const socket = channel("/voting");
  socket.on("connect", () => socket.emit("join", { poll }));
  socket.on("poll.count", (data) => {
    if (!data || data.poll !== poll) return;
    if (count) count.textContent = String(data.voters);
    if (head) head.textContent = data.head;
    if (records && Number.isInteger(data.records)) records.textContent = String(data.records);
  });
}
