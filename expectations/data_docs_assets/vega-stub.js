/* datasteward: Vega is not shipped (Data Docs draw charts only for profiling results).
   vegaEmbed leaves a note where a chart would be, instead of fetching Vega from a CDN. */
window.vegaEmbed = function (el, spec) {
  var node = typeof el === "string" ? document.querySelector(el) : el;
  if (node) { node.textContent = "(chart not drawn: Vega is not bundled with these offline Data Docs)"; }
  return Promise.resolve({});
};
