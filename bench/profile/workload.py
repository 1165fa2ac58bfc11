# Runs one workload operation N times; driven by instructions.py under
# callgrind on the MicroPython unix port.
#   micropython workload.py GEN_DIR DATA_DIR W1|W2|W3 dec|enc N
import sys

gen, data, w, op, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
sys.path.insert(0, gen)
import bench_pb as B  # noqa: E402

M = {"W1": B.SensorBatch, "W2": B.LogBatch, "W3": B.Samples}[w]
raw = open(data + "/" + w + ".bin", "rb").read()
m = M.decode(raw)
if op == "dec":
    for _ in range(n):
        M.decode(raw)
else:
    for _ in range(n):
        m.encode()
