// The 3D view of `embodied serve`: the scene of embodied/web/scene.py (one binary: a JSON header of
// the elements and their vertex and index ranges, then Float32 positions and Uint32 indices, y up)
// drawn with three.js (vendored, /static/vendor/three).
//
// All elements share one set of vertex buffers (positions and a colour per vertex), drawn by two meshes:
// `solid` (opaque) and `ghost` (see-through: elements without a value, and the others while some are
// highlighted). Each mesh has its own index buffer, rebuilt from the elements' index ranges when an
// element moves from one to the other, and a table of where each element's triangles start in it, so
// that a picked triangle gives its element by a binary search. Shading is flat (the kernel's vertices
// are welded: averaged normals would shade a flat wall like a curved one).

import * as THREE from "three";
import { OrbitControls } from "/static/vendor/three/OrbitControls.js";

const NEUTRAL = new THREE.Color("#c9ced6");  // before any colouring, and elements without a value
const HIGHLIGHT = new THREE.Color("#1f5fbf");
const DIMMED = new THREE.Color("#d5d9e0");
const OUTLINE = new THREE.Color("#00a396");
const GHOST_OPACITY = 0.22;
const DRAG_PX = 4;  // a pointer that moved further between down and up was dragging the view, not picking
// a sequential ramp, light yellow to dark red (ColorBrewer YlOrRd)
const RAMP = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"].map((c) => new THREE.Color(c));

function ramp(t) {
  const x = Math.min(Math.max(t, 0), 1) * (RAMP.length - 1);
  const i = Math.min(Math.floor(x), RAMP.length - 2);
  return RAMP[i].clone().lerp(RAMP[i + 1], x - i);
}

function parse(buffer) {
  if (buffer.byteLength < 8) throw new Error("the 3D scene is empty");
  const magic = new TextDecoder().decode(new Uint8Array(buffer, 0, 4));
  if (magic !== "EMB3") throw new Error("not a 3D scene of embodied");
  const length = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, length)));
  if (header.format !== 4) throw new Error(`3D scene format ${header.format}, this page reads 4 (embodied/web/scene.py SCENE_FORMAT)`);
  const start = 8 + length;
  const positions = new Float32Array(buffer, start, header.vertex_count * 3);
  const indices = new Uint32Array(buffer, start + positions.byteLength, header.index_count);
  return { header, positions, indices };
}

function fail(container, error) {
  container.innerHTML = "";
  const p = document.createElement("p");
  p.className = "viewer-error error";
  p.textContent = String(error && error.message ? error.message : error).split("\n")[0];
  container.appendChild(p);
  container.dataset.ready = "error";
}

async function load(sceneUrl) {
  const response = await fetch(sceneUrl);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`.trim();
    try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return parse(await response.arrayBuffer());
}

export async function createViewer(container, sceneUrl, { onPick } = {}) {
  let scene;
  let renderer;
  try {
    scene = await load(sceneUrl);
    renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  } catch (e) {
    fail(container, e);
    throw e;
  }
  const { header, positions, indices } = scene;
  const elements = header.elements;
  const count = elements.length;
  const byId = new Map(elements.map((e, i) => [e.id, i]));

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

  // shared vertex buffers, two index buffers (see the top of this file)
  const position = new THREE.BufferAttribute(positions, 3);
  const colors = new Float32Array(positions.length);
  const color = new THREE.BufferAttribute(colors, 3);
  const bounds = new THREE.Box3().setFromBufferAttribute(position);
  const sphere = bounds.isEmpty() ? new THREE.Sphere(new THREE.Vector3(), 1) : bounds.getBoundingSphere(new THREE.Sphere());

  function part(material) {
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", position);
    geometry.setAttribute("color", color);
    geometry.boundingSphere = sphere.clone();
    geometry.boundingBox = bounds.clone();
    const mesh = new THREE.Mesh(geometry, material);
    mesh.userData = { starts: new Uint32Array(0), which: new Uint32Array(0) };
    view.add(mesh);
    return mesh;
  }
  const common = { vertexColors: true, side: THREE.DoubleSide, flatShading: true };
  const solid = part(new THREE.MeshLambertMaterial(common));
  const ghost = part(new THREE.MeshLambertMaterial({ ...common, transparent: true, opacity: GHOST_OPACITY, depthWrite: false }));
  ghost.renderOrder = 1;  // after the solid elements, which it must not hide

  let values = null;  // each element's colour from colorBy (THREE.Color or null: no value), or null before
  let highlighted = null;  // a Set of element positions, or null
  let outline = null;  // the selected element's edges (THREE.LineSegments)
  let selected = null;

  function ghosted(i) {
    if (highlighted) return !highlighted.has(i);
    return values !== null && values[i] === null;
  }

  function colourOf(i) {
    if (highlighted) return highlighted.has(i) ? HIGHLIGHT : DIMMED;
    return (values && values[i]) || NEUTRAL;
  }

  // each mesh's index buffer: the triangles of its elements, in the elements' order
  function layout() {
    const members = [[], []];
    const sizes = [0, 0];
    for (let i = 0; i < count; i++) {
      const k = ghosted(i) ? 1 : 0;
      members[k].push(i);
      sizes[k] += elements[i].index_count;
    }
    [solid, ghost].forEach((mesh, k) => {
      const index = new Uint32Array(sizes[k]);
      const starts = new Uint32Array(members[k].length);
      let at = 0;
      members[k].forEach((i, n) => {
        const e = elements[i];
        starts[n] = at;
        index.set(indices.subarray(e.first_index, e.first_index + e.index_count), at);
        at += e.index_count;
      });
      mesh.geometry.setIndex(new THREE.BufferAttribute(index, 1));
      mesh.userData = { starts, which: Uint32Array.from(members[k]) };
      mesh.visible = index.length > 0;
    });
  }

  function paint() {
    for (let i = 0; i < count; i++) {
      const c = colourOf(i);
      const e = elements[i];
      for (let v = e.first_vertex * 3, end = (e.first_vertex + e.vertex_count) * 3; v < end; v += 3) {
        colors[v] = c.r;
        colors[v + 1] = c.g;
        colors[v + 2] = c.b;
      }
    }
    color.needsUpdate = true;
    layout();
    draw();
  }

  function frame(target) {
    const radius = Math.max(target.radius, 0.5);
    const distance = (radius / Math.sin((camera.fov * Math.PI) / 360)) * 1.05;
    const direction = new THREE.Vector3(1, 0.8, 1.2).normalize();
    camera.position.copy(target.center).addScaledVector(direction, distance);
    camera.near = Math.max(distance / 1000, 0.01);
    camera.far = distance + sphere.radius * 4 + radius * 4;
    camera.updateProjectionMatrix();
    controls.target.copy(target.center);
    controls.update();
    draw();
  }

  function elementBox(i) {
    const e = elements[i];
    return new THREE.Box3().setFromArray(positions.subarray(e.first_vertex * 3, (e.first_vertex + e.vertex_count) * 3));
  }

  // the edges of element i (those between faces more than 20° apart), drawn over everything
  function edgesOf(i) {
    const e = elements[i];
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.BufferAttribute(positions.slice(e.first_vertex * 3, (e.first_vertex + e.vertex_count) * 3), 3));
    const index = indices.slice(e.first_index, e.first_index + e.index_count);
    for (let n = 0; n < index.length; n++) index[n] -= e.first_vertex;
    geometry.setIndex(new THREE.BufferAttribute(index, 1));
    const edges = new THREE.EdgesGeometry(geometry, 20);
    geometry.dispose();
    const lines = new THREE.LineSegments(edges, new THREE.LineBasicMaterial({ color: OUTLINE, depthTest: false, transparent: true }));
    lines.renderOrder = 2;
    return lines;
  }

  function setSelected(i) {
    if (outline) {
      view.remove(outline);
      outline.geometry.dispose();
      outline.material.dispose();
      outline = null;
    }
    selected = i;
    if (i !== null) {
      outline = edgesOf(i);
      view.add(outline);
    }
    draw();
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

  let pending = false;
  function draw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; renderer.render(view, camera); });
  }

  // the element of triangle `face` of `mesh`: the last element whose triangles start at or before it
  function elementOf(mesh, face) {
    const { starts, which } = mesh.userData;
    const index = face * 3;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= index) low = mid; else high = mid - 1;
    }
    return which[low];
  }

  const raycaster = new THREE.Raycaster();
  const pointer = new THREE.Vector2();
  function pickAt(clientX, clientY) {
    const rect = renderer.domElement.getBoundingClientRect();
    pointer.set(((clientX - rect.left) / rect.width) * 2 - 1, -((clientY - rect.top) / rect.height) * 2 + 1);
    raycaster.setFromCamera(pointer, camera);
    // the see-through elements are picked only where no solid one is
    for (const mesh of [solid, ghost]) {
      if (!mesh.visible) continue;
      const hit = raycaster.intersectObject(mesh, false)[0];
      if (hit) return elementOf(mesh, hit.faceIndex);
    }
    return null;
  }

  let down = null;
  const canvas = renderer.domElement;
  canvas.addEventListener("pointerdown", (event) => { down = [event.clientX, event.clientY]; });
  canvas.addEventListener("pointerup", (event) => {
    const moved = !down || Math.hypot(event.clientX - down[0], event.clientY - down[1]) > DRAG_PX;
    down = null;
    if (moved) return;
    const i = pickAt(event.clientX, event.clientY);
    if (i === null) setSelected(null);
    if (onPick) onPick(i === null ? null : elements[i].id);
  });
  controls.addEventListener("change", draw);
  const observer = new ResizeObserver(resize);
  observer.observe(container);
  resize();
  frame(sphere);
  paint();
  renderer.render(view, camera);  // drawn before "ready", for whoever waits on it to take a picture
  container.dataset.ready = "1";
  container.dataset.elements = String(count);

  return {
    elementCount: count,
    ids: elements.map((e) => e.id),
    header,
    // colour by value ({GlobalId: number}) on the ramp, from the smallest value shown to the largest;
    // elements without a finite value are see-through grey. Returns the range, for a legend.
    colorBy(byGlobalId, { unit } = {}) {
      let min = Infinity;
      let max = -Infinity;
      const found = elements.map((e) => {
        const v = byGlobalId ? byGlobalId[e.id] : undefined;
        if (typeof v !== "number" || !Number.isFinite(v)) return null;
        if (v < min) min = v;
        if (v > max) max = v;
        return v;
      });
      if (min > max) min = max = 0;
      values = found.map((v) => (v === null ? null : ramp(max > min ? (v - min) / (max - min) : 1)));
      highlighted = null;
      paint();
      return { min, max, unit };
    },
    // show these elements (GlobalIds) in a strong colour, the others see-through; [] shows all again
    highlight(ids) {
      const found = (ids || []).map((id) => byId.get(id)).filter((i) => i !== undefined);
      highlighted = found.length ? new Set(found) : null;
      paint();
      return found.length;
    },
    // outline one element (null: none); {frame: true} also turns the camera to it
    select(id, { frame: toIt = false } = {}) {
      const i = id === null || id === undefined ? undefined : byId.get(id);
      setSelected(i === undefined ? null : i);
      if (toIt && i !== undefined) frame(elementBox(i).getBoundingSphere(new THREE.Sphere()));
      return i !== undefined;
    },
    // turn the camera to one element
    focus(id) {
      const i = byId.get(id);
      if (i !== undefined) frame(elementBox(i).getBoundingSphere(new THREE.Sphere()));
    },
    fit() {
      frame(sphere);
    },
    get selected() {
      return selected === null ? null : elements[selected].id;
    },
    dispose() {
      observer.disconnect();
      controls.dispose();
      setSelected(null);
      for (const mesh of [solid, ghost]) {
        mesh.geometry.dispose();
        mesh.material.dispose();
      }
      renderer.dispose();
      canvas.remove();
    },
  };
}
