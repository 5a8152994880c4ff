// Small greyscale images (one byte per pixel, ink dark) with a caption under each.

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "dllab-digit-grid";
  el.appendChild(root);

  function draw() {
    const [h, w] = model.get("shape");
    const captions = model.get("captions");
    const pixels = asBytes(model.get("images"));
    const px = model.get("cell_px");
    root.replaceChildren();
    root.dataset.count = captions.length;
    if (!captions.length) {
      const empty = document.createElement("div");
      empty.className = "dllab-digit-grid-empty";
      empty.textContent = model.get("empty_text");
      root.appendChild(empty);
      return;
    }
    captions.forEach((caption, i) => {
      const figure = document.createElement("figure");
      figure.className = "dllab-digit";
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      canvas.style.width = `${px}px`;
      canvas.style.height = `${Math.round((px * h) / w)}px`;
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(w, h);
      for (let p = 0; p < w * h; p++) {
        const grey = 255 - pixels[i * w * h + p];
        image.data.set([grey, grey, grey, 255], p * 4);
      }
      ctx.putImageData(image, 0, 0);
      const text = document.createElement("figcaption");
      text.textContent = caption;
      figure.append(canvas, text);
      root.appendChild(figure);
    });
  }

  model.on("change:frame", draw);
  draw();
  return () => model.off("change:frame", draw);
}
export default { render };
