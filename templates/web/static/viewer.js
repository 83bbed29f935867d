// The 3D view of `embodied serve`: the scene of embodied/web/scene.py (one binary: a JSON header of
// the elements and their vertex and index ranges, then Float32 positions and Uint32 indices, y up)
// drawn with three.js (vendored, /static/vendor/three). All elements are one merged mesh with a colour
// per vertex, so that thousands of elements draw at once; an element is found from a picked triangle
// by a binary search over the index ranges.

import * as THREE from "three";
import { OrbitControls } from "/static/vendor/three/OrbitControls.js";

const NO_VALUE = new THREE.Color("#c9ced6");
const HIGHLIGHT = new THREE.Color("#1f5fbf");
const DIMMED = new THREE.Color("#e6e9ee");
const SELECTED = new THREE.Color("#00b3a4");
// a sequential ramp, light yellow to dark red (ColorBrewer YlOrRd)
const RAMP = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"].map((c) => new THREE.Color(c));

function ramp(t) {
  const x = Math.min(Math.max(t, 0), 1) * (RAMP.length - 1);
  const i = Math.min(Math.floor(x), RAMP.length - 2);
  return RAMP[i].clone().lerp(RAMP[i + 1], x - i);
}

function parse(buffer) {
  const magic = new TextDecoder().decode(new Uint8Array(buffer, 0, 4));
  if (magic !== "EMB3") throw new Error("not a scene of embodied");
  const length = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, length)));
  const start = 8 + length;
  const positions = new Float32Array(buffer, start, header.vertex_count * 3);
  const indices = new Uint32Array(buffer, start + positions.byteLength, header.index_count);
  return { header, positions, indices };
}

export async function createViewer(container, sceneUrl, { onPick } = {}) {
  let scene;
  try {
    const response = await fetch(sceneUrl);
    if (!response.ok) {
      let message = `${response.status}`;
      try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    scene = parse(await response.arrayBuffer());
  } catch (e) {
    container.innerHTML = "";
    const p = document.createElement("p");
    p.className = "viewer-error error";
    p.textContent = e.message;
    container.appendChild(p);
    container.dataset.ready = "error";
    throw e;
  }
  const { header, positions, indices } = scene;
  const elements = header.elements;
  const byId = new Map(elements.map((e, i) => [e.id, i]));

  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(window.devicePixelRatio || 1);
  container.appendChild(renderer.domElement);
  const view = new THREE.Scene();
  view.background = new THREE.Color("#eef1f5");
  const camera = new THREE.PerspectiveCamera(45, 1, 0.05, 1e6);
  const controls = new OrbitControls(camera, renderer.domElement);
  view.add(new THREE.HemisphereLight(0xffffff, 0x8a8f99, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.6);
  sun.position.set(1, 2, 1.5);
  view.add(sun);

  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute("position", new THREE.BufferAttribute(positions, 3));
  geometry.setIndex(new THREE.BufferAttribute(indices, 1));
  const colors = new Float32Array(positions.length);
  geometry.setAttribute("color", new THREE.BufferAttribute(colors, 3));
  geometry.computeVertexNormals();
  geometry.computeBoundingSphere();
  const material = new THREE.MeshLambertMaterial({ vertexColors: true, side: THREE.DoubleSide });
  const mesh = new THREE.Mesh(geometry, material);
  view.add(mesh);

  let base = elements.map(() => NO_VALUE);  // each element's colour by value
  let highlighted = null;  // a Set of element positions, or null
  let selected = null;

  function paint() {
    for (let i = 0; i < elements.length; i++) {
      let colour = base[i];
      if (highlighted) colour = highlighted.has(i) ? HIGHLIGHT : DIMMED;
      if (i === selected) colour = SELECTED;
      const e = elements[i];
      for (let v = e.first_vertex; v < e.first_vertex + e.vertex_count; v++) {
        colors[v * 3] = colour.r;
        colors[v * 3 + 1] = colour.g;
        colors[v * 3 + 2] = colour.b;
      }
    }
    geometry.attributes.color.needsUpdate = true;
    draw();
  }

  function frame(sphere) {
    const radius = Math.max(sphere.radius, 0.5);
    const distance = radius / Math.sin((camera.fov * Math.PI) / 360);
    const direction = new THREE.Vector3(1, 0.8, 1.2).normalize();
    camera.position.copy(sphere.center).addScaledVector(direction, distance);
    camera.near = distance / 1000;
    camera.far = distance * 10 + radius * 10;
    camera.updateProjectionMatrix();
    controls.target.copy(sphere.center);
    controls.update();
    draw();
  }

  function elementSphere(i) {
    const e = elements[i];
    const box = new THREE.Box3();
    const p = new THREE.Vector3();
    for (let v = e.first_vertex; v < e.first_vertex + e.vertex_count; v++) {
      box.expandByPoint(p.fromArray(positions, v * 3));
    }
    return box.getBoundingSphere(new THREE.Sphere());
  }

  function resize() {
    const width = container.clientWidth || 600;
    const height = container.clientHeight || 400;
    renderer.setSize(width, height, false);
    renderer.domElement.style.width = "100%";
    renderer.domElement.style.height = "100%";
    camera.aspect = width / height;
    camera.updateProjectionMatrix();
    draw();
  }

  function draw() {
    renderer.render(view, camera);
  }

  // the element of a picked triangle: the last element whose first index is at or before it
  function elementOfTriangle(face) {
    const index = face * 3;
    let low = 0;
    let high = elements.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (elements[mid].first_index <= index) low = mid; else high = mid - 1;
    }
    return low;
  }

  const raycaster = new THREE.Raycaster();
  const pointer = new THREE.Vector2();
  let down = null;
  renderer.domElement.addEventListener("pointerdown", (event) => { down = [event.clientX, event.clientY]; });
  renderer.domElement.addEventListener("pointerup", (event) => {
    if (!down || Math.hypot(event.clientX - down[0], event.clientY - down[1]) > 4) return;  // a drag
    const rect = renderer.domElement.getBoundingClientRect();
    pointer.set(((event.clientX - rect.left) / rect.width) * 2 - 1, -((event.clientY - rect.top) / rect.height) * 2 + 1);
    raycaster.setFromCamera(pointer, camera);
    const hit = raycaster.intersectObject(mesh, false)[0];
    const id = hit ? elements[elementOfTriangle(hit.faceIndex)].id : null;
    if (onPick) onPick(id);
  });
  controls.addEventListener("change", draw);
  new ResizeObserver(resize).observe(container);
  resize();
  frame(geometry.boundingSphere);
  paint();
  container.dataset.ready = "1";
  container.dataset.elements = String(elements.length);

  return {
    elementCount: elements.length,
    ids: elements.map((e) => e.id),
    colorBy(values, { unit } = {}) {
      const known = Object.values(values).filter((v) => typeof v === "number" && isFinite(v));
      const min = known.length ? Math.min(...known) : 0;
      const max = known.length ? Math.max(...known) : 0;
      base = elements.map((e) => {
        const v = values[e.id];
        if (typeof v !== "number" || !isFinite(v)) return NO_VALUE;
        return ramp(max > min ? (v - min) / (max - min) : 1);
      });
      highlighted = null;
      paint();
      return { min, max, unit };
    },
    highlight(ids) {
      const found = (ids || []).map((id) => byId.get(id)).filter((i) => i !== undefined);
      highlighted = found.length ? new Set(found) : null;
      paint();
      return found.length;
    },
    select(id) {
      const i = byId.get(id);
      selected = i === undefined ? null : i;
      paint();
    },
    focus(id) {
      const i = byId.get(id);
      if (i !== undefined) frame(elementSphere(i));
    },
    fit() {
      frame(geometry.boundingSphere);
    },
  };
}
