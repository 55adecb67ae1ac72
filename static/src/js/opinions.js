// Results of an opinion map: when a new analysis is stored, say so in the polite live region and offer
// to show it (the page is never replaced under the reader's eyes). Without JavaScript the page simply
// shows the latest results when reloaded.
import { channel } from "./realtime.js";

const box = document.querySelector(".opinion-status[data-map]");
if (box) {
  const map = Number(box.dataset.map);
  const live = box.querySelector("[data-live]");
  const french = document.documentElement.lang === "fr";
  const socket = channel(box.dataset.namespace || "/opinions");
  socket.on("connect", () => socket.emit("join", { map }));
  socket.on("opinions.updated", (data) => {
    if (!data || data.map !== map || !live) return;
    live.textContent = "";
    const text = document.createTextNode(
      french ? "De nouveaux résultats sont prêts. " : "New results are ready. ",
    );
    const link = document.createElement("a");
    link.href = window.location.pathname;
    link.textContent = french ? "Les afficher" : "Show them";
    live.append(text, link);
  });
}
